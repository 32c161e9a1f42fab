package io.vmstate.testkit;

import java.util.Locale;
import java.util.Optional;

/**
 * The QEMU system emulators the harness can start, with the board and CPU it uses when the test
 * does not choose one. {@link #AARCH64} is the default everywhere.
 */
public enum QemuArch {
  /** {@code qemu-system-aarch64}, board {@code virt,gic-version=3}, CPU {@code cortex-a57}. */
  AARCH64("aarch64", "virt,gic-version=3", "cortex-a57"),
  /** {@code qemu-system-x86_64}, board {@code q35}, QEMU's default CPU. */
  X86_64("x86_64", "q35", null),
  /** {@code qemu-system-ppc64}, board {@code pseries}, QEMU's default CPU. */
  PPC64("ppc64", "pseries", null),
  /** {@code qemu-system-riscv64}, board {@code virt}, QEMU's default CPU. */
  RISCV64("riscv64", "virt", null);

  private final String name;
  private final String defaultMachine;
  private final String defaultCpu;

  QemuArch(String name, String defaultMachine, String defaultCpu) {
    this.name = name;
    this.defaultMachine = defaultMachine;
    this.defaultCpu = defaultCpu;
  }

  /** The target name, e.g. {@code aarch64}. */
  public String targetName() {
    return name;
  }

  /** The emulator's file name, e.g. {@code qemu-system-aarch64}. */
  public String binaryName() {
    return "qemu-system-" + name;
  }

  /** The {@code -M} value used when the test gives none. */
  public String defaultMachine() {
    return defaultMachine;
  }

  /** The {@code -cpu} value used when the test gives none; empty means no {@code -cpu} option. */
  public Optional<String> defaultCpu() {
    return Optional.ofNullable(defaultCpu);
  }

  /**
   * The architecture of an emulator file name or path ({@code qemu-system-x86_64}, {@code
   * /opt/x/usr/bin/qemu-system-ppc64}), or of a bare target name ({@code riscv64}).
   */
  public static Optional<QemuArch> fromBinaryName(String nameOrPath) {
    String n = nameOrPath.substring(nameOrPath.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
    if (n.startsWith("qemu-system-")) {
      n = n.substring("qemu-system-".length());
    }
    for (QemuArch a : values()) {
      if (a.name.equals(n)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }
}
