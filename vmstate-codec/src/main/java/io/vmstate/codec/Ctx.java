package io.vmstate.codec;

/** Per-operation state threaded through a save or load: limits, nesting depth, the observer. */
final class Ctx {
  final DecodeLimits limits;
  final SaveObserver observer;
  final io.vmstate.api.QemuRelease target;
  int depth;

  Ctx(DecodeLimits limits, SaveObserver observer) {
    this(limits, observer, null);
  }

  Ctx(DecodeLimits limits, SaveObserver observer, io.vmstate.api.QemuRelease target) {
    this.limits = limits;
    this.observer = observer;
    this.target = target;
  }
}
