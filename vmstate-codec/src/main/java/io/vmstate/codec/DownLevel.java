package io.vmstate.codec;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;

/**
 * Down-level writing: a save for an older QEMU release omits the subsections and sections that
 * release does not have, and refuses (no silent loss) when one of them carries state that is not
 * the default.
 *
 * <p>What "default" means, for a description the target lacks:
 *
 * <ul>
 *   <li>its {@code needed} predicate is false (QEMU would not send it either);
 *   <li>or it is marked {@link VmStateDescription#zeroAtReset} and every field it would write is
 *       zero (the GICv3's NMI subsections: QEMU 9.1+ sends them whenever the GIC supports NMIs,
 *       whatever they hold, and reset clears them); a non-zero field is refused by name.
 * </ul>
 *
 * <p>A description introduced after the target without a {@code needed} predicate is one QEMU
 * always sends; the target cannot take it and nothing says its state is non-default, so it is
 * omitted.
 */
public final class DownLevel {
  private DownLevel() {}

  /**
   * Whether {@code d} may be considered for {@code obj} when writing for {@code target} (null: the
   * newest). Throws when {@code d} is needed but the target lacks it.
   */
  public static <T> boolean keep(VmStateDescription<T> d, T obj, QemuRelease target)
      throws VmStateEncodeException {
    if (!targetLacks(d, target)) {
      return true;
    }
    if (d.needed() != null && d.needed().test(obj)) {
      throw notDefault(d, target, "holds state that is not the default");
    }
    return false;
  }

  /**
   * {@link #keep} for a subsection whose fields {@code plan} writes: a {@link
   * VmStateDescription#zeroAtReset} subsection the target lacks is left out while every field is
   * zero, and refused naming the first non-zero field otherwise.
   */
  static <T> boolean keep(VmStateDescription<T> d, T obj, Plan<T> plan, Ctx ctx)
      throws VmStateException {
    if (!d.zeroAtReset() || !targetLacks(d, ctx.target) || !d.isNeeded(obj)) {
      return keep(d, obj, ctx.target);
    }
    String field = plan.firstNonZeroField(obj, d.version(), ctx);
    if (field == null) {
      return false;
    }
    throw notDefault(
            d,
            ctx.target,
            "holds state that is not the default (field '"
                + field
                + "' is not zero, its value after reset)")
        .inField(field);
  }

  private static boolean targetLacks(VmStateDescription<?> d, QemuRelease target) {
    QemuRelease since = d.introducedIn();
    return target != null && since != null && target.isBefore(since);
  }

  private static VmStateEncodeException notDefault(
      VmStateDescription<?> d, QemuRelease target, String what) {
    QemuRelease since = d.introducedIn();
    return VmStateEncodeException.notRepresentable(
        "'"
            + d.name()
            + "' "
            + what
            + ", but "
            + target
            + " cannot load it (it was added in QEMU "
            + since.major()
            + "."
            + since.minor()
            + "); reset it to the default or write for a newer target");
  }
}
