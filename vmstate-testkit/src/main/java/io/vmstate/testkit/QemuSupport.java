package io.vmstate.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates {@code qemu-system-aarch64} and lets tests skip (with a visible reason) where it is
 * absent.
 *
 * <p>The binary is taken from the system property {@code vmstate.qemu}, else the environment
 * variable {@code VMSTATE_QEMU}, else the first {@code qemu-system-aarch64} on {@code PATH}.
 */
public final class QemuSupport {
  /** The skip reason shown by JUnit when QEMU is missing. */
  public static final String SKIP_REASON = "qemu-system-aarch64 not found: real-QEMU test skipped";

  private static volatile Optional<Path> binary;
  private static volatile String accel;

  private QemuSupport() {}

  /**
   * Skips the calling test (JUnit assumption) unless QEMU is available. In CI ({@code CI=true}),
   * where {@code .ci/run} installs QEMU, a missing binary is a broken setup and fails the test
   * instead of silently skipping it.
   */
  public static void assumeQemu() {
    if (!isAvailable() && inCi()) {
      throw new AssertionError(
          "CI=true but qemu-system-aarch64 was not found (.ci/run installs it); "
              + "set VMSTATE_QEMU or PATH");
    }
    Assumptions.assumeTrue(isAvailable(), SKIP_REASON);
  }

  /** Whether a runnable {@code qemu-system-aarch64} was found. */
  public static boolean isAvailable() {
    return findBinary().isPresent();
  }

  /**
   * The QEMU binary.
   *
   * @throws QemuException if there is none
   */
  public static Path binary() {
    return findBinary().orElseThrow(() -> new QemuException(SKIP_REASON));
  }

  /** Whether the test runs in CI ({@code CI=true}), where QEMU must be present. */
  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /**
   * The accelerator the harness uses by default: {@code qtest} when this QEMU build has it,
   * otherwise {@code tcg}. Debian's QEMU 7.2 ships without the {@code accel-qtest-aarch64} module,
   * so there it is {@code tcg}; with {@code -S} no guest instruction runs either way.
   */
  public static String defaultAccel() {
    String a = accel;
    if (a == null) {
      a = probeAccel();
      accel = a;
    }
    return a;
  }

  private static Optional<Path> findBinary() {
    Optional<Path> b = binary;
    if (b == null) {
      b = locate();
      binary = b;
    }
    return b;
  }

  private static Optional<Path> locate() {
    return QemuRelease.V7_2.binary(QemuArch.AARCH64);
  }

  /**
   * Skips the calling test unless QEMU {@code release} (aarch64) is installed; the reason names the
   * release and where it was looked for. Under {@code CI=true} a missing release fails instead.
   */
  public static void assumeQemu(QemuRelease release) {
    assumeQemu(release, QemuArch.AARCH64);
  }

  /** As {@link #assumeQemu(QemuRelease)}, for the emulator of {@code arch}. */
  public static void assumeQemu(QemuRelease release, QemuArch arch) {
    boolean ok = release.isAvailable(arch);
    if (!ok && inCi()) {
      throw new AssertionError(
          "CI=true but " + release.describe(arch) + " (.ci/run installs both releases)");
    }
    Assumptions.assumeTrue(ok, () -> release.describe(arch) + ": real-QEMU test skipped");
  }

  /**
   * The accelerator for {@code release}/{@code arch}: {@code qtest} when that build has it, else
   * {@code tcg} (Debian's 7.2 and 10.0 packages both ship without {@code accel-qtest}).
   */
  public static String defaultAccel(QemuRelease release, QemuArch arch) {
    return ACCELS.computeIfAbsent(
        release + "/" + arch,
        k -> probeAccel(release.processBuilder(arch, List.of("-accel", "help")), k));
  }

  private static final java.util.Map<String, String> ACCELS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static String probeAccel() {
    return probeAccel(new ProcessBuilder(List.of(binary().toString(), "-accel", "help")), binary());
  }

  private static String probeAccel(ProcessBuilder pb, Object what) {
    try {
      Process p = pb.redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      for (String line : out.split("\n")) {
        if (line.trim().equals("qtest")) {
          return "qtest";
        }
      }
      return "tcg";
    } catch (IOException e) {
      throw new QemuException("cannot run " + what + " -accel help", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QemuException("interrupted probing accelerators", e);
    }
  }
}
