package io.skein.server.history;

/** What a group's coordinator samples of it. One broker coordinates a group at a time: their largest is its. */
enum GroupSeries implements SeriesSpec {
    /** Records not consumed, over the group's partitions. */
    LAG("lag", "records"),
    /** The age of the oldest record not consumed, its largest over the partitions. */
    LAG_SECONDS("lag_seconds", "s"),
    /** The committed offsets' advance per second since the sample before, over the partitions. */
    CONSUME_RATE("consume_rate", "records/s");

    private final String label;
    private final String unit;

    GroupSeries(String label, String unit) {
        this.label = label;
        this.unit = unit;
    }

    @Override
    public String label() {
        return label;
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public boolean summed() {
        return false;
    }
}
