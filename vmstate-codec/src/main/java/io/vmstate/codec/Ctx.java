package io.vmstate.codec;

/** Per-operation state threaded through a save or load: limits, nesting depth, the observer. */
final class Ctx {
  final DecodeLimits limits;
  final SaveObserver observer;
  int depth;

  Ctx(DecodeLimits limits, SaveObserver observer) {
    this.limits = limits;
    this.observer = observer;
  }
}
