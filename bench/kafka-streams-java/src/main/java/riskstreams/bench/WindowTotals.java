package riskstreams.bench;

/** The per-account window aggregate of the windowed topology, stored and emitted as {"count":n,"notional":x}. */
public record WindowTotals(long count, double notional) {
  static final WindowTotals EMPTY = new WindowTotals(0, 0.0);

  WindowTotals add(double orderNotional) {
    return new WindowTotals(count + 1, notional + orderNotional);
  }
}
