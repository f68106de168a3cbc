package io.skein.server.history;

/** A series the brokers sample: its name in answers, its unit, and how brokers' values make the cluster's. */
interface SeriesSpec {
    /** The name queries use and answers carry (lower case, as in docs/metrics.md). */
    String label();

    String unit();

    /** Whether the cluster's value is the brokers' sum (rates, counts of what each leads), else their largest. */
    boolean summed();

    /** Its index in a sample and in its ring. */
    int ordinal();
}
