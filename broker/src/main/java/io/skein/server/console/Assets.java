package io.skein.server.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The console's static files under {@code /ui/static/}, read once from the jar. Pages link them with
 * their content's hash as {@code ?v=}: such a request may be cached for good (a new version has a new
 * link), any other is revalidated by its ETag.
 */
final class Assets implements Request.Handler {
    static final String PREFIX = "/ui/static/";
    private static final Map<String, String> TYPES = Map.of("css", "text/css; charset=utf-8",
            "svg", "image/svg+xml");

    private record Asset(byte[] bytes, String type, String hash) {
    }

    private final Map<String, Asset> byPath;

    Assets(String... names) {
        Map<String, Asset> assets = new java.util.HashMap<>();
        for (String name : names) {
            byte[] bytes = read(name);
            assets.put(PREFIX + name, new Asset(bytes, TYPES.get(name.substring(name.lastIndexOf('.') + 1)),
                    hash(bytes)));
        }
        this.byPath = Map.copyOf(assets);
    }

    /** The link to {@code name}, versioned by its content. */
    String link(String name) {
        return PREFIX + name + "?v=" + byPath.get(PREFIX + name).hash();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Asset asset = byPath.get(Request.getPathInContext(request));
        if (asset == null) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            return true;
        }
        String etag = "\"" + asset.hash() + "\"";
        boolean versioned = asset.hash().equals(Request.extractQueryParameters(request).getValue("v"));
        response.getHeaders().put(HttpHeader.ETAG, etag);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, versioned ? "public, max-age=31536000, immutable"
                : "no-cache");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        if (etag.equals(request.getHeaders().get(HttpHeader.IF_NONE_MATCH))) {
            response.setStatus(HttpStatus.NOT_MODIFIED_304);
            callback.succeeded();
            return true;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, asset.type());
        response.write(true, ByteBuffer.wrap(asset.bytes()), callback);
        return true;
    }

    private static byte[] read(String name) {
        try (InputStream in = Assets.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("The console's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hash(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
