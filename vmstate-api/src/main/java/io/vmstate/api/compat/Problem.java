package io.vmstate.api.compat;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One finding of the {@link CompatChecker}.
 *
 * <p>{@code device} is the section key (QEMU's class name in dumps, e.g. {@code arm-gicv3}); {@code
 * path} leads from the section's description to the field: field names joined by {@code .}, a
 * subsection as {@code [its name]}, for example {@code cpu.[arm_gicv3_cpu/virt].ich_apr}; it is
 * empty for problems of the section itself.
 *
 * @param severity error or warning
 * @param device the section key
 * @param path the field path inside the section, possibly empty
 * @param message what is wrong, in the words of QEMU's vmstate-static-checker where it has a rule
 */
public record Problem(Severity severity, String device, String path, String message) {
  public Problem {
    checkNotNull(severity, "severity");
    checkNotNull(device, "device");
    checkNotNull(path, "path");
    checkNotNull(message, "message");
  }

  /** Whether the severity is {@link Severity#ERROR}. */
  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code error: arm_gic: irq_state.enabled: size mismatch: 1 , 4} (one line). */
  @Override
  public String toString() {
    return severity.label() + ": " + device + ": " + (path.isEmpty() ? "" : path + ": ") + message;
  }
}
