package io.skein.http;

import java.util.Comparator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The server's one handler: dispatches on the exact path, or else on the longest path prefix, to the
 * handler a part of the node added, which may happen while requests are served. Unknown paths are
 * 404; known paths with another method, 405 naming the allowed ones.
 */
final class Routes extends Handler.Abstract {
    private record Route(Request.Handler handler, Set<String> methods, String allow) {
    }

    private final Map<String, Route> byPath = new ConcurrentHashMap<>();
    /** Prefixes (each ending with /), longest first, so that the most specific one answers. */
    private final NavigableMap<String, Route> byPrefix = new ConcurrentSkipListMap<>(
            Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));

    void add(String path, Request.Handler handler, String... methods) {
        if (byPath.putIfAbsent(checked(path), route(path, handler, methods)) != null) {
            throw new IllegalStateException("The HTTP path " + path + " already has a handler");
        }
    }

    void addPrefix(String prefix, Request.Handler handler, String... methods) {
        if (!checked(prefix).endsWith("/")) {
            throw new IllegalArgumentException("A prefix route's path ends with /, not " + prefix);
        }
        if (byPrefix.putIfAbsent(prefix, route(prefix, handler, methods)) != null) {
            throw new IllegalStateException("The HTTP prefix " + prefix + " already has a handler");
        }
    }

    private static String checked(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("A route's path starts with /, not " + path);
        }
        return path;
    }

    private static Route route(String path, Request.Handler handler, String... methods) {
        if (methods.length == 0) {
            throw new IllegalArgumentException("A route serves at least one method: " + path);
        }
        return new Route(handler, Set.of(methods), String.join(", ", methods));
    }

    private Route find(String path) {
        Route exact = byPath.get(path);
        if (exact != null) {
            return exact;
        }
        for (Map.Entry<String, Route> prefix : byPrefix.entrySet()) {
            if (path.startsWith(prefix.getKey())) {
                return prefix.getValue();
            }
        }
        return null;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Route route = find(Request.getPathInContext(request));
        if (route == null) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
            return true;
        }
        if (!route.methods().contains(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, route.allow());
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
            return true;
        }
        return route.handler().handle(request, response, callback);
    }
}
