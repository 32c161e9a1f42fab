package io.vmstate.testkit;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The QEMU releases the harness drives, installed side by side:
 *
 * <ul>
 *   <li>{@link #V7_2}: the system QEMU (Debian bookworm packages, {@code /usr/bin}). Binary from
 *       {@code -Dvmstate.qemu} / {@code VMSTATE_QEMU} (aarch64; other architectures are looked up
 *       in the same directory), else {@code PATH}. Scripts from {@code -Dvmstate.qemu72.scripts} /
 *       {@code VMSTATE_QEMU72_SCRIPTS}, default {@code /opt/qemu-7.2-scripts}.
 *   <li>{@link #V10_0}: QEMU 10.0.2 from bookworm-backports unpacked into a private prefix by
 *       {@code .ci/install-qemu10}: {@code -Dvmstate.qemu10.prefix} / {@code
 *       VMSTATE_QEMU10_PREFIX}, default {@code /opt/qemu-10.0.2}. It must run with {@code
 *       QEMU_MODULE_DIR=<prefix>/usr/lib/x86_64-linux-gnu/qemu} (otherwise it loads the system 7.2
 *       modules and aborts) and {@code -L <prefix>/usr/share/qemu}; {@link #environment()} and
 *       {@link #extraArgs()} carry both. Its scripts are in {@code <prefix>/scripts}.
 * </ul>
 *
 * <p>A release is available when its binary runs and {@code --version} names the release (so a
 * system QEMU of another version does not count as 7.2). Parameterize a test over releases with
 * {@code @MethodSource("io.vmstate.testkit.QemuRelease#all")} and start with {@code
 * QemuSupport.assumeQemu(release)}.
 */
public enum QemuRelease {
  V7_2("7.2", "QEMU emulator version 7.2"),
  V10_0("10.0", "QEMU emulator version 10.0");

  public static final String QEMU10_PREFIX_PROPERTY = "vmstate.qemu10.prefix";
  public static final String QEMU10_PREFIX_ENV = "VMSTATE_QEMU10_PREFIX";
  public static final Path DEFAULT_QEMU10_PREFIX = Path.of("/opt/qemu-10.0.2");
  public static final String QEMU72_SCRIPTS_PROPERTY = "vmstate.qemu72.scripts";
  public static final String QEMU72_SCRIPTS_ENV = "VMSTATE_QEMU72_SCRIPTS";
  public static final Path DEFAULT_QEMU72_SCRIPTS = Path.of("/opt/qemu-7.2-scripts");

  private final String label;
  private final String versionPrefix;
  private final Map<QemuArch, Optional<String>> versions = new ConcurrentHashMap<>();

  QemuRelease(String label, String versionPrefix) {
    this.label = label;
    this.versionPrefix = versionPrefix;
  }

  /** Every release, for {@code @MethodSource("io.vmstate.testkit.QemuRelease#all")}. */
  public static Stream<QemuRelease> all() {
    return Stream.of(values());
  }

  /** The releases installed here (aarch64), e.g. to generate only what can be generated. */
  public static Stream<QemuRelease> available() {
    return all().filter(QemuRelease::isAvailable);
  }

  /** {@code 7.2} or {@code 10.0}. */
  public String label() {
    return label;
  }

  /** {@code "7.2"} → {@link #V7_2}; also accepts the constant name. */
  public static QemuRelease of(String label) {
    for (QemuRelease r : values()) {
      if (r.label.equals(label) || r.name().equals(label)) {
        return r;
      }
    }
    throw new IllegalArgumentException("no QEMU release " + label + " (7.2 or 10.0)");
  }

  /** The private install prefix ({@link #V10_0}); empty for the system QEMU. */
  public Optional<Path> prefix() {
    if (this == V7_2) {
      return Optional.empty();
    }
    String p = setting(QEMU10_PREFIX_PROPERTY, QEMU10_PREFIX_ENV);
    return Optional.of(p != null ? Path.of(p) : DEFAULT_QEMU10_PREFIX);
  }

  /** The aarch64 emulator path, whether or not it exists. */
  public Path binaryPath() {
    return binaryPath(QemuArch.AARCH64);
  }

  /**
   * Where this release's emulator for {@code arch} is (or would be); for {@link #V7_2} without an
   * explicit setting, the first match on {@code PATH} (or the bare name when there is none).
   */
  public Path binaryPath(QemuArch arch) {
    Optional<Path> prefix = prefix();
    if (prefix.isPresent()) {
      return prefix.get().resolve("usr/bin").resolve(arch.binaryName());
    }
    String explicit = setting("vmstate.qemu", "VMSTATE_QEMU");
    if (explicit != null) {
      Path p = Path.of(explicit);
      if (arch == QemuArch.AARCH64) {
        return p;
      }
      Path dir = p.toAbsolutePath().getParent();
      return dir.resolve(arch.binaryName());
    }
    return onPath(arch.binaryName()).orElse(Path.of(arch.binaryName()));
  }

  /** The aarch64 emulator, if it is executable (no version check). */
  public Optional<Path> binary() {
    return binary(QemuArch.AARCH64);
  }

  /** The emulator for {@code arch}, if it is executable (no version check). */
  public Optional<Path> binary(QemuArch arch) {
    Path p = binaryPath(arch);
    return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
  }

  /** Environment variables QEMU of this release needs ({@code QEMU_MODULE_DIR} for 10.0). */
  public Map<String, String> environment() {
    return prefix()
        .map(p -> Map.of("QEMU_MODULE_DIR", p.resolve("usr/lib/x86_64-linux-gnu/qemu").toString()))
        .orElse(Map.of());
  }

  /** Arguments that go right after the binary ({@code -L <prefix>/usr/share/qemu} for 10.0). */
  public List<String> extraArgs() {
    return prefix()
        .map(p -> List.of("-L", p.resolve("usr/share/qemu").toString()))
        .orElse(List.of());
  }

  /** The release's own {@code scripts/analyze-migration.py}, if installed. */
  public Optional<Path> analyzer() {
    return script("analyze-migration.py");
  }

  /** The release's own {@code scripts/vmstate-static-checker.py}, if installed. */
  public Optional<Path> staticChecker() {
    return script("vmstate-static-checker.py");
  }

  private Optional<Path> script(String name) {
    Path dir;
    if (this == V7_2) {
      String s = setting(QEMU72_SCRIPTS_PROPERTY, QEMU72_SCRIPTS_ENV);
      dir = s != null ? Path.of(s) : DEFAULT_QEMU72_SCRIPTS;
    } else {
      dir = prefix().orElseThrow().resolve("scripts");
    }
    Path p = dir.resolve(name);
    return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
  }

  /** The aarch64 emulator's first {@code --version} line, if it runs. */
  public Optional<String> version() {
    return version(QemuArch.AARCH64);
  }

  /** The first {@code --version} line of the emulator for {@code arch}, if it runs (cached). */
  public Optional<String> version(QemuArch arch) {
    return versions.computeIfAbsent(arch, this::probeVersion);
  }

  /** Whether this release's aarch64 emulator runs and reports this release. */
  public boolean isAvailable() {
    return isAvailable(QemuArch.AARCH64);
  }

  /** Whether this release's emulator for {@code arch} runs and reports this release. */
  public boolean isAvailable(QemuArch arch) {
    return version(arch).map(v -> v.startsWith(versionPrefix + ".")).orElse(false);
  }

  /** Why {@link #isAvailable(QemuArch)} is false (or a description when it is true). */
  public String describe(QemuArch arch) {
    Path p = binaryPath(arch);
    Optional<String> v = version(arch);
    String where = prefix().map(x -> " (prefix " + x + ", see .ci/install-qemu10)").orElse("");
    if (v.isEmpty()) {
      return "QEMU "
          + label
          + " "
          + arch.binaryName()
          + " not found or not runnable at "
          + p
          + where;
    }
    if (!isAvailable(arch)) {
      return "QEMU " + label + ": " + p + " reports '" + v.get() + "'" + where;
    }
    return "QEMU " + label + ": " + p + " (" + v.get() + ")";
  }

  /** A command line for this release's emulator: binary, then {@link #extraArgs()}. */
  public List<String> command(QemuArch arch) {
    List<String> c = new ArrayList<>();
    c.add(binaryPath(arch).toString());
    c.addAll(extraArgs());
    return c;
  }

  /** Starts {@code <binary> <extraArgs> args...} with {@link #environment()}. */
  public ProcessBuilder processBuilder(QemuArch arch, List<String> args) {
    List<String> c = command(arch);
    c.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(c);
    pb.environment().putAll(environment());
    return pb;
  }

  private Optional<String> probeVersion(QemuArch arch) {
    if (binary(arch).isEmpty()) {
      return Optional.empty();
    }
    try {
      Process p = processBuilder(arch, List.of("--version")).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.empty();
      }
      if (p.exitValue() != 0) {
        return Optional.empty();
      }
      return out.lines().findFirst().map(String::strip);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static String setting(String property, String env) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? null : v;
  }

  static Optional<Path> onPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return "QEMU " + label;
  }
}
