package io.vmstate.codec;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.vmstate.api.StateCopier;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateException;

/**
 * Saves objects to and loads them from QEMU's VMState wire encoding, following a description with
 * QEMU's exact semantics: version window, field gating, hook order, subsection framing on save
 * (only when needed) and subsection matching on load (an unknown one is an error, an absent one is
 * fine and its hooks do not run), the outer post_load after the subsections.
 *
 * <p>Loads of descriptions with a {@link StateCopier} are atomic: they run on a copy that is
 * committed only when everything succeeded. Errors carry the byte offset and the field path, rooted
 * at the description's name, e.g. {@code arm_gicv3/cpu[3]/icc_apr[1][2]}.
 *
 * <p>Instances are immutable and thread-safe; {@link #DEFAULT} uses {@link DecodeLimits#DEFAULT}.
 */
public final class VmStateCodec {
  public static final VmStateCodec DEFAULT = new VmStateCodec(DecodeLimits.DEFAULT);

  private final DecodeLimits limits;

  private VmStateCodec(DecodeLimits limits) {
    this.limits = checkNotNull(limits);
  }

  /** A codec enforcing {@code limits} on loads. */
  public static VmStateCodec withLimits(DecodeLimits limits) {
    return new VmStateCodec(limits);
  }

  /** The limits this codec enforces on loads. */
  public DecodeLimits limits() {
    return limits;
  }

  /** Writes {@code obj} at the description's version. */
  public <T> void save(VmStateDescription<T> d, T obj, WireOutput out) throws VmStateException {
    save(d, obj, out, null);
  }

  /** Writes {@code obj}, telling {@code observer} about every description, field and element. */
  public <T> void save(VmStateDescription<T> d, T obj, WireOutput out, SaveObserver observer)
      throws VmStateException {
    save(d, obj, out, observer, null);
  }

  /**
   * Writes {@code obj} for an older QEMU release: subsections introduced after {@code target} are
   * omitted, and a save whose state needs one of them fails with a {@link
   * io.vmstate.api.VmStateEncodeException} naming it (no silent loss).
   */
  public <T> void save(
      VmStateDescription<T> d,
      T obj,
      WireOutput out,
      SaveObserver observer,
      io.vmstate.api.QemuRelease target)
      throws VmStateException {
    checkNotNull(d, "description");
    checkNotNull(obj, "object");
    checkNotNull(out, "output");
    try {
      Plan.of(d).save(obj, out, d.version(), new Ctx(limits, observer, target));
    } catch (VmStateException e) {
      throw e.inField(d.name());
    }
  }

  /**
   * The encoding of {@code obj} as a save at an older {@code version} of its description writes it
   * (QEMU's {@code vmstate_save_state_v}): fields introduced after {@code version} are left out.
   * For re-encoding state that was decoded from a stream at that version, so that loading the bytes
   * at {@code version} reads exactly what the stream held.
   *
   * @throws IllegalArgumentException (a caller's mistake) when {@code version} is outside the
   *     description's window
   */
  public <T> byte[] saveToBytes(VmStateDescription<T> d, T obj, int version)
      throws VmStateException {
    return saveToBytes(d, obj, version, null);
  }

  /**
   * {@link #saveToBytes(VmStateDescription, Object, int)}, telling {@code observer} (null: none)
   * about every description, field and element, as a vmdesc writer needs.
   */
  public <T> byte[] saveToBytes(VmStateDescription<T> d, T obj, int version, SaveObserver observer)
      throws VmStateException {
    checkNotNull(d, "description");
    checkNotNull(obj, "object");
    checkArgument(
        d.versions().contains(version),
        "version %s is outside %s's window %s",
        version,
        d.name(),
        d.versions());
    WireOutput out = WireOutput.toBytes();
    try {
      Plan.of(d).save(obj, out, version, new Ctx(limits, observer, null));
    } catch (VmStateException e) {
      throw e.inField(d.name());
    }
    return out.toByteArray();
  }

  /** The encoding of {@code obj}, without the trailing EOF byte QEMU's tests append. */
  public <T> byte[] saveToBytes(VmStateDescription<T> d, T obj) throws VmStateException {
    WireOutput out = WireOutput.toBytes();
    save(d, obj, out);
    return out.toByteArray();
  }

  /**
   * Reads {@code obj}'s state from {@code in}, which was written at {@code streamVersion}. With a
   * copier the load is atomic; without one a failure may leave some fields loaded.
   */
  public <T> void load(VmStateDescription<T> d, T obj, WireInput in, int streamVersion)
      throws VmStateException {
    checkNotNull(d, "description");
    checkNotNull(obj, "object");
    checkNotNull(in, "input");
    StateCopier<T> copier = d.copier();
    T target = copier == null ? obj : copier.copyOf(obj);
    try {
      Plan.of(d).load(target, in, streamVersion, new Ctx(limits, null));
    } catch (VmStateException e) {
      throw e.inField(d.name());
    }
    if (copier != null) {
      copier.copyInto(target, obj);
    }
  }

  /** Loads from a byte array; bytes after the state are left alone (QEMU reads on past them). */
  public <T> void load(VmStateDescription<T> d, T obj, byte[] data, int streamVersion)
      throws VmStateException {
    load(d, obj, WireInput.of(data), streamVersion);
  }
}
