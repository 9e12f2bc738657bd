package riskstreams.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one run is configured with: `--name value` arguments, else the environment variable of the same name
 * in upper snake case (--commit-interval-ms, COMMIT_INTERVAL_MS). `--prop key=value` (repeatable) passes any
 * other StreamsConfig, producer or consumer setting through unchanged.
 */
record CompareOptions(
    String topology,
    String bootstrapServers,
    String applicationId,
    String inputTopic,
    String outputTopic,
    String killSwitchTopic,
    String processingGuarantee,
    long commitIntervalMs,
    String stateDir,
    long windowMs,
    long progressIntervalMs,
    Map<String, String> extraProperties) {

  static CompareOptions parse(String[] args) {
    Map<String, String> given = new LinkedHashMap<>();
    Map<String, String> extra = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (!name.startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("expected --name value, got " + name);
      String value = args[++i];
      if (name.equals("--prop")) {
        int eq = value.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--prop needs key=value, got " + value);
        extra.put(value.substring(0, eq), value.substring(eq + 1));
      } else {
        given.put(name.substring(2), value);
      }
    }
    Lookup lookup = new Lookup(given);
    String guarantee = lookup.get("processing-guarantee", "at_least_once");
    if (!guarantee.equals("at_least_once") && !guarantee.equals("exactly_once_v2")) {
      throw new IllegalArgumentException("processing-guarantee must be at_least_once or exactly_once_v2, not " + guarantee);
    }
    String topology = lookup.get("topology", null);
    return new CompareOptions(
        topology,
        lookup.get("bootstrap-servers", null),
        lookup.get("application-id", null),
        lookup.get("input-topic", null),
        lookup.get("output-topic", null),
        topology.equals("join") ? lookup.get("killswitch-topic", null) : lookup.get("killswitch-topic", ""),
        guarantee,
        Long.parseLong(lookup.get("commit-interval-ms", guarantee.equals("exactly_once_v2") ? "100" : "30000")),
        lookup.get("state-dir", System.getProperty("java.io.tmpdir") + "/kafka-streams-compare"),
        Long.parseLong(lookup.get("window-ms", "60000")),
        Long.parseLong(lookup.get("progress-interval-ms", "100")),
        extra);
  }

  private record Lookup(Map<String, String> given) {
    String get(String name, String fallback) {
      String value = given.get(name);
      if (value == null) value = System.getenv(name.toUpperCase().replace('-', '_'));
      if (value == null) value = fallback;
      if (value == null) throw new IllegalArgumentException("--" + name + " (or " + name.toUpperCase().replace('-', '_') + ") is required");
      return value;
    }
  }
}
