package io.skein.server.console;

/**
 * A page being written. Markup goes in through {@link #raw} only, from the console's own literals;
 * anything that comes from data (names, keys, values, headers, messages of errors) goes in through
 * {@link #text}, escaped, so that a hostile record is shown as text and never becomes markup.
 */
final class Html {
    private final StringBuilder out = new StringBuilder(16 * 1024);

    /** Markup written by the console itself: never data. */
    Html raw(String markup) {
        out.append(markup);
        return this;
    }

    /** Data, escaped for an element's content or a double-quoted attribute's value. */
    Html text(Object value) {
        escape(String.valueOf(value), out);
        return this;
    }

    /** An element with text content: {@code <tag>text</tag>}. */
    Html element(String tag, Object content) {
        return raw("<").raw(tag).raw(">").text(content).raw("</").raw(tag.split(" ", 2)[0]).raw(">");
    }

    /** A link to {@code href} (escaped) showing {@code content} (escaped). */
    Html link(Object href, Object content) {
        return raw("<a href=\"").text(href).raw("\">").text(content).raw("</a>");
    }

    /** A hidden form field. */
    Html hidden(String name, Object value) {
        return raw("<input type=\"hidden\" name=\"").text(name).raw("\" value=\"").text(value).raw("\">");
    }

    static String escape(String value) {
        StringBuilder escaped = new StringBuilder(value.length() + 16);
        escape(value, escaped);
        return escaped.toString();
    }

    private static void escape(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
