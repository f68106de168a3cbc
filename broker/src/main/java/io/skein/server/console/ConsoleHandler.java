package io.skein.server.console;

import io.skein.broker.security.Caller;
import io.skein.http.HttpCallers;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.Promise;

/**
 * One console path on the HTTP server: finds who asks ({@link HttpCallers}), reads the parameters (for
 * an action, its form too, once it is checked to come from the console's own pages), asks the page,
 * which authorizes the caller first, and writes its answer when the cluster has answered, without
 * holding a server thread meanwhile. Whatever fails becomes a page with a message ({@link Failures}),
 * never a stack trace; a refusal for who asked is 403, or 401 asking to log in.
 */
final class ConsoleHandler implements Request.Handler {
    /** A console page or action: its answer to the parameters, now or later. */
    @FunctionalInterface
    interface Page {
        CompletableFuture<Reply> answer(Params params);
    }

    /** Longer than the admin calls' own timeouts, which say more: this one only bounds what has none. */
    private static final long ANSWER_WITHIN_SECONDS = 45;
    private static final int MAX_FORM_FIELDS = 64;
    /** A produced test message's key, value and headers, as a form. */
    private static final int MAX_FORM_BYTES = 4 << 20;
    /** Pages hold no scripts, frames or content of other sites; forms post to the console only. */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    private final HttpCallers callers;
    private final Layout layout;
    private final Layout.Section section;
    private final Page page;
    private final boolean action;

    private ConsoleHandler(HttpCallers callers, Layout layout, Layout.Section section, Page page, boolean action) {
        this.callers = callers;
        this.layout = layout;
        this.section = section;
        this.page = page;
        this.action = action;
    }

    /** A page, shown by GET. */
    static ConsoleHandler view(HttpCallers callers, Layout layout, Layout.Section section, Page page) {
        return new ConsoleHandler(callers, layout, section, page, false);
    }

    /** An action, taken by POST from the console's own pages only. */
    static ConsoleHandler action(HttpCallers callers, Layout layout, Layout.Section section, Page page) {
        return new ConsoleHandler(callers, layout, section, page, true);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
        CompletableFuture<Caller> caller = callers.of(request);
        CompletableFuture<Reply> reply;
        if (action) {
            reply = SameOrigin.refusal(request)
                    .map(why -> CompletableFuture.completedFuture(Reply.page(HttpStatus.FORBIDDEN_403,
                            layout.failure("Refused", section, why))))
                    .orElseGet(() -> caller.thenCompose(who -> form(request)
                            .thenCompose(form -> ask(merged(query, form), who))));
        } else {
            reply = caller.thenCompose(who -> ask(query, who));
        }
        reply.orTimeout(ANSWER_WITHIN_SECONDS, TimeUnit.SECONDS)
                .exceptionally(failure -> {
                    Failures.Shown shown = Failures.shown(failure);
                    return Reply.page(callers.status(shown.status(), HttpCallers.found(caller)),
                            layout.failure(shown.title(), section, shown.message()));
                })
                .thenAccept(answer -> write(answer, response, callback));
        return true;
    }

    /**
     * The request's form, read as its body arrives. Jetty's own future of it refuses stages chained
     * before it completes (its invocation type), so the fields come through a promise into a plain one.
     */
    private static CompletableFuture<Fields> form(Request request) {
        CompletableFuture<Fields> form = new CompletableFuture<>();
        FormFields.onFields(request, StandardCharsets.UTF_8, MAX_FORM_FIELDS, MAX_FORM_BYTES,
                Promise.Invocable.toPromise(form));
        return form;
    }

    private CompletableFuture<Reply> ask(Fields fields, Caller caller) {
        return Async.call(() -> page.answer(new Params(fields, caller)));
    }

    private static Fields merged(Fields query, Fields form) {
        Fields all = new Fields();
        query.forEach(field -> field.getValues().forEach(value -> all.add(field.getName(), value)));
        form.forEach(field -> field.getValues().forEach(value -> all.add(field.getName(), value)));
        return all;
    }

    private static void write(Reply reply, Response response, Callback callback) {
        response.setStatus(reply.status());
        HttpCallers.challenge(response, reply.status());
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        response.getHeaders().put("Referrer-Policy", "same-origin");
        response.getHeaders().put("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        if (reply.location() != null) {
            response.getHeaders().put(HttpHeader.LOCATION, reply.location());
            callback.succeeded();
            return;
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        Content.Sink.write(response, true, reply.html(), callback);
    }
}
