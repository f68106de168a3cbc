package io.skein.server.console;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a long list (topics, partitions, groups), chosen on the server: a page never holds
 * more than {@code size} rows, however many the cluster has.
 *
 * @param number the page shown, from 1
 */
record Paging(int number, int size, int total) {
    /** The page the request asks for ({@code page}), within those {@code total} rows fill. */
    static Paging of(Params params, int size, int total) {
        return of(requested(params), size, total);
    }

    /** Page {@code requested}, or the last if there are fewer. */
    static Paging of(int requested, int size, int total) {
        return new Paging(Math.min(Math.max(1, (total + size - 1) / size), requested), size, total);
    }

    /** The page a request asks for: {@code page}, from 1. */
    static int requested(Params params) {
        return params.integer("page", "The page", 1, 1);
    }

    int from() {
        return (number - 1) * size;
    }

    int to() {
        return Math.min(total, from() + size);
    }

    int last() {
        return Math.max(1, (total + size - 1) / size);
    }

    <T> List<T> of(List<T> rows) {
        return rows.subList(from(), to());
    }

    /** "rows 101–200 of 10,000", with links to the previous and next pages made by {@code link}. */
    void write(Html html, String what, Function<Integer, Link> link) {
        html.raw("<p class=\"paging\">");
        if (total == 0) {
            html.text("No " + what + ".").raw("</p>");
            return;
        }
        html.text(what.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + what.substring(1) + " " + Format.count(from() + 1L)
                + "–" + Format.count(to()) + " of " + Format.count(total));
        if (number > 1) {
            html.raw(" · <a rel=\"prev\" href=\"").text(link.apply(number - 1)).raw("\">previous page</a>");
        }
        if (number < last()) {
            html.raw(" · <a rel=\"next\" href=\"").text(link.apply(number + 1)).raw("\">next page</a>");
        }
        html.raw("</p>");
    }
}
