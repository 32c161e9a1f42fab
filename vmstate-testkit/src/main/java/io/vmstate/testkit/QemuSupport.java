package io.vmstate.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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
    String explicit = System.getProperty("vmstate.qemu");
    if (explicit == null || explicit.isBlank()) {
      explicit = System.getenv("VMSTATE_QEMU");
    }
    if (explicit != null && !explicit.isBlank()) {
      Path p = Path.of(explicit);
      return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, "qemu-system-aarch64");
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static String probeAccel() {
    try {
      Process p =
          new ProcessBuilder(List.of(binary().toString(), "-accel", "help"))
              .redirectErrorStream(true)
              .start();
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
      throw new QemuException("cannot run " + binary() + " -accel help", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QemuException("interrupted probing accelerators", e);
    }
  }
}
