package io.skein.http;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The server's one handler: dispatches on the exact path to the handler a part of the node added,
 * which may happen while requests are served. Unknown paths are 404; known paths with another
 * method, 405 naming the allowed ones.
 */
final class Routes extends Handler.Abstract {
    private record Route(Request.Handler handler, Set<String> methods, String allow) {
    }

    private final Map<String, Route> byPath = new ConcurrentHashMap<>();

    void add(String path, Request.Handler handler, String... methods) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("A route's path starts with /, not " + path);
        }
        if (methods.length == 0) {
            throw new IllegalArgumentException("A route serves at least one method: " + path);
        }
        Route route = new Route(handler, Set.of(methods), String.join(", ", methods));
        if (byPath.putIfAbsent(path, route) != null) {
            throw new IllegalStateException("The HTTP path " + path + " already has a handler");
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        Route route = byPath.get(Request.getPathInContext(request));
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
