package io.skein.log;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What to add to the refusal of a config key nothing defines: the known key it is a typo of, if one
 * is close, and where every key is listed. The refusal is the first thing a newcomer with a typo sees.
 */
public final class UnknownKey {
    /** The reference generated from the config definitions, in the repository. */
    public static final String REFERENCE = "docs/configuration.md";
    /** A known key at most this many single-character edits away is suggested. */
    private static final int MAX_EDITS = 2;

    private UnknownKey() {
    }

    /**
     * " Did you mean log.retention.hours? `skein config list --scope node` and docs/configuration.md
     * list every key.", for {@code unknown} keys among {@code known} ones, listed by {@code listCommand}.
     */
    public static String hint(Collection<String> unknown, Collection<String> known, String listCommand) {
        List<String> closest = unknown.stream().map(key -> closest(key, known)).flatMap(Optional::stream).toList();
        return (closest.isEmpty() ? "" : " Did you mean " + String.join(", ", closest) + "?") + " `" + listCommand
                + "` and " + REFERENCE + " list every key.";
    }

    /** The known key fewest edits from {@code key}, if it is at most {@link #MAX_EDITS} away. */
    static Optional<String> closest(String key, Collection<String> known) {
        return known.stream().filter(name -> edits(key, name) <= MAX_EDITS)
                .min(Comparator.comparingInt((String name) -> edits(key, name)).thenComparing(Comparator.naturalOrder()));
    }

    /** Levenshtein distance: insertions, deletions and substitutions of one character. */
    private static int edits(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
