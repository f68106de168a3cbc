package io.skein.chaos;

import io.skein.chaos.cluster.SkeinCluster;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The gate of every scenario that needs containers ({@code @ExtendWith(DockerScenarios.class)}).
 * Without a Docker engine (or the test image) its tests are skipped, counted as skipped, with a line
 * in the build's output saying how to enable them (this module's test output goes to the console,
 * see its pom); with {@code -Dskein.chaos.required=true} (CI) they fail instead.
 */
public final class DockerScenarios implements ExecutionCondition {
    /** Set where the scenarios must run: a missing engine is then a failure, not a skip. */
    public static final String REQUIRED = "skein.chaos.required";

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String why = SkeinCluster.unavailableBecause();
        if (why == null) {
            return ConditionEvaluationResult.enabled("a Docker engine and the test image are there");
        }
        if (Boolean.getBoolean(REQUIRED)) {
            throw new IllegalStateException("Chaos scenarios cannot run (" + REQUIRED + "=true): " + why);
        }
        if (context.getTestMethod().isEmpty()) { // once per class
            System.out.println("[WARNING] Chaos scenarios in " + context.getDisplayName() + " skipped: " + why);
        }
        return ConditionEvaluationResult.disabled("Chaos scenarios skipped: " + why);
    }
}
