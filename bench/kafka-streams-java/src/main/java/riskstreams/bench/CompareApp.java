package riskstreams.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;

/**
 * One Kafka Streams instance with one stream thread, run as a child process by bench/compare. It speaks
 * the same line protocol on stdout as bench/compare/app.ts: "STATE <state>" on every state change and
 * "PROGRESS <records processed>" every progress interval, which the harness pairs with /proc readings.
 */
public final class CompareApp {
  private CompareApp() {}

  public static void main(String[] args) throws InterruptedException {
    CompareOptions options = CompareOptions.parse(args);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, options.applicationId());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, options.bootstrapServers());
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, options.processingGuarantee());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, options.commitIntervalMs());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.STATE_DIR_CONFIG, options.stateDir());
    props.putAll(options.extraProperties());

    KafkaStreams streams = new KafkaStreams(Topologies.build(options), props);
    CountDownLatch stopped = new CountDownLatch(1);
    streams.setStateListener((next, previous) -> {
      say("STATE " + next);
      if (next == KafkaStreams.State.NOT_RUNNING || next == KafkaStreams.State.ERROR) stopped.countDown();
    });
    streams.setUncaughtExceptionHandler(error -> {
      say("FAILED " + error);
      return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      stopped.countDown();
    }, "compare-shutdown"));

    Thread progress = new Thread(() -> reportProgress(streams, options.progressIntervalMs()), "compare-progress");
    progress.setDaemon(true);
    streams.start();
    progress.start();
    stopped.await();
  }

  /**
   * The thread-level "process-total" metric counts records processed (INFO level, always recorded), so
   * progress costs the stream thread nothing beyond what Kafka Streams does anyway.
   */
  private static void reportProgress(KafkaStreams streams, long intervalMs) {
    List<Metric> totals = new ArrayList<>();
    try {
      for (;;) {
        Thread.sleep(intervalMs);
        if (totals.isEmpty()) {
          for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            MetricName name = e.getKey();
            if (name.name().equals("process-total") && name.group().equals("stream-thread-metrics")) totals.add(e.getValue());
          }
          if (totals.isEmpty()) continue;
        }
        double processed = 0;
        for (Metric m : totals) processed += ((Number) m.metricValue()).doubleValue();
        say("PROGRESS " + (long) processed);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
