package riskstreams.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.GlobalKTable;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The three compared topologies, written as a Kafka Streams user would, node for node the same as
 * bench/compare/topologies.ts. Stores are left on Kafka Streams' default engine, RocksDB.
 */
final class Topologies {
  static final String WINDOW_STORE = "order-windows";
  static final String KILLSWITCH_STORE = "killswitch";

  private static final Serde<String> STRING = Serdes.String();
  private static final Serde<JsonNode> JSON = JsonSerdes.tree();
  private static final Serde<WindowTotals> TOTALS = JsonSerdes.of(WindowTotals.class);

  private Topologies() {}

  static Topology build(CompareOptions options) {
    StreamsBuilder builder = new StreamsBuilder();
    KStream<String, JsonNode> orders = builder.stream(options.inputTopic(), Consumed.with(STRING, JSON));
    switch (options.topology()) {
      case "filter" -> filterMapValues(orders, options);
      case "window" -> tumblingTotals(orders, options);
      case "join" -> killSwitchJoin(builder, orders, options);
      default -> throw new IllegalArgumentException("topology must be filter, window or join, not " + options.topology());
    }
    return builder.build();
  }

  private static double notional(JsonNode order) {
    return order.path("qty").asDouble() * order.path("price").asDouble();
  }

  /** (a) Orders with a positive quantity, each with its notional added. */
  private static void filterMapValues(KStream<String, JsonNode> orders, CompareOptions options) {
    orders
        .filter((account, order) -> order.path("qty").asDouble() > 0)
        // The tree was deserialized for this record alone, so adding the field in place is safe and spares a copy.
        .mapValues(order -> (JsonNode) ((ObjectNode) order).put("notional", notional(order)))
        .to(options.outputTopic(), Produced.with(STRING, JSON));
  }

  /** (b) Count and notional per account in tumbling windows, keyed "account@windowStart" on output. */
  private static void tumblingTotals(KStream<String, JsonNode> orders, CompareOptions options) {
    orders
        .groupByKey(Grouped.with(STRING, JSON))
        .windowedBy(TimeWindows.ofSizeWithNoGrace(Duration.ofMillis(options.windowMs())))
        .aggregate(
            () -> WindowTotals.EMPTY,
            (account, order, totals) -> totals.add(notional(order)),
            Materialized.<String, WindowTotals, WindowStore<Bytes, byte[]>>as(WINDOW_STORE).withKeySerde(STRING).withValueSerde(TOTALS))
        .toStream((window, totals) -> window.key() + "@" + window.window().start())
        .to(options.outputTopic(), Produced.with(STRING, TOTALS));
  }

  /** (c) Orders dropped when their account, their symbol or everything is KILLED in the kill-switch table. */
  private static void killSwitchJoin(StreamsBuilder builder, KStream<String, JsonNode> orders, CompareOptions options) {
    GlobalKTable<String, String> kills = builder.globalTable(
        options.killSwitchTopic(),
        Consumed.with(STRING, STRING),
        Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as(KILLSWITCH_STORE));
    // A left join keeps orders whose scope has no entry; a null joiner result marks a drop, and the filter
    // removes it before the next join (which would otherwise skip null values with a warning each).
    orders
        .leftJoin(kills, (account, order) -> "ACCOUNT:" + order.path("account_id").asText(), Topologies::unlessKilled)
        .filter((account, order) -> order != null)
        .leftJoin(kills, (account, order) -> "SYMBOL:" + order.path("symbol").asText(), Topologies::unlessKilled)
        .filter((account, order) -> order != null)
        .leftJoin(kills, (account, order) -> "GLOBAL", Topologies::unlessKilled)
        .filter((account, order) -> order != null)
        .to(options.outputTopic(), Produced.with(STRING, JSON));
  }

  private static JsonNode unlessKilled(JsonNode order, String state) {
    return "KILLED".equals(state) ? null : order;
  }
}
