package io.vmstate.codec;

import io.vmstate.api.QemuRelease;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.VmStateEncodeException;

/**
 * Down-level writing: a save for an older QEMU release omits the subsections and sections that
 * release does not have, and refuses (no silent loss) when one of them carries state that is not
 * the default, i.e. when its {@code needed} predicate is true.
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
    QemuRelease since = d.introducedIn();
    if (target == null || since == null || !target.isBefore(since)) {
      return true;
    }
    if (d.needed() != null && d.needed().test(obj)) {
      throw VmStateEncodeException.notRepresentable(
          "'"
              + d.name()
              + "' holds state that is not the default, but "
              + target
              + " cannot load it (it was added in QEMU "
              + since.major()
              + "."
              + since.minor()
              + "); reset it to the default or write for a newer target");
    }
    return false;
  }
}
