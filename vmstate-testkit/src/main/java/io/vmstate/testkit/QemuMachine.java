package io.vmstate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One QEMU process ({@code qemu-system-aarch64} unless {@link Builder#arch}/{@link Builder#binary}
 * say otherwise, of the {@link QemuRelease} chosen with {@link Builder#release}), stopped ({@code
 * -S}) and driven through qtest and HMP.
 *
 * <pre>{@code
 * QemuSupport.assumeQemu();
 * try (QemuMachine vm = QemuMachine.builder().machine("virt,gic-version=3").smp(2).start()) {
 *   vm.qtest().writel(0x08000400L, 0xa0a0a0a0);
 *   vm.migrateToFile(vm.tempDir().resolve("out.qemu"));
 * }
 * }</pre>
 *
 * <p>Every machine gets its own temp directory (sockets, stderr log), which is deleted on {@link
 * #close()}; the process is always killed on close and, as a last resort, by a JVM shutdown hook.
 */
public final class QemuMachine implements AutoCloseable {
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final Pattern VM_STATUS = Pattern.compile("VM status: *(.*)");

  static {
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "qemu-reaper"));
  }

  private final Builder spec;
  private final Path dir;
  private final Path stderrLog;
  private final List<String> command;
  private Process process;
  private Qtest qtest;
  private Hmp hmp;
  private boolean closed;

  private QemuMachine(Builder spec) throws IOException {
    this.spec = spec;
    this.dir = Files.createTempDirectory("vmstate-qemu-");
    this.stderrLog = dir.resolve("qemu.stderr");
    this.command = new ArrayList<>();
  }

  /** A builder holding the defaults (see each setter). */
  public static Builder builder() {
    return new Builder();
  }

  /** The full command line QEMU was started with. */
  public List<String> commandLine() {
    return List.copyOf(command);
  }

  /** This machine's private temp directory (deleted on close unless {@code keepTempDir}). */
  public Path tempDir() {
    return dir;
  }

  /** The qtest connection (memory-mapped register access). */
  public Qtest qtest() {
    return qtest;
  }

  /** The human monitor connection. */
  public Hmp hmp() {
    return hmp;
  }

  /** The QEMU process. */
  public Process process() {
    return process;
  }

  /** What QEMU wrote to stderr so far. */
  public String stderr() {
    try {
      return Files.exists(stderrLog) ? Files.readString(stderrLog, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "<cannot read stderr: " + e + ">";
    }
  }

  /**
   * Migrates the whole VM state into {@code file} ({@code migrate "exec:cat > FILE"}) and waits for
   * {@code completed}. The VM ends up in {@code paused (postmigrate)}.
   */
  public void migrateToFile(Path file) {
    hmp.migrateToFile(file);
    hmp.awaitMigrationCompleted(spec.migrationTimeout);
  }

  /** Migrates to a destination listening on {@code host:port} and waits for completion. */
  public void migrateTcp(String host, int port) {
    hmp.migrate("tcp:" + host + ":" + port);
    hmp.awaitMigrationCompleted(spec.migrationTimeout);
  }

  /**
   * The value after {@code VM status:} in {@code info status}, e.g. {@code "paused (prelaunch)"}.
   */
  public String vmStatus() {
    String s = hmp.infoStatus();
    Matcher m = VM_STATUS.matcher(s);
    return m.find() ? m.group(1).strip() : s;
  }

  /**
   * For a destination started with an {@code -incoming} option: waits until the incoming migration
   * has finished loading (the VM left {@code inmigrate}) and checks it did not fail.
   *
   * @throws QemuException if QEMU exits (e.g. "load of migration failed"), reports {@code failed},
   *     or does not finish within {@code max}
   */
  public void awaitIncomingCompleted(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    String status = "";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new QemuException(
            "destination QEMU exited during incoming migration" + diagnostics());
      }
      try {
        status = vmStatus();
      } catch (QemuException e) {
        if (!process.isAlive()) {
          throw new QemuException(
              "destination QEMU exited during incoming migration" + diagnostics(), e);
        }
        throw e;
      }
      if (!status.contains("inmigrate")) {
        String mig = hmp.migrationStatus();
        if (mig.equals("failed") || mig.equals("cancelled")) {
          throw new QemuException("incoming migration " + mig + diagnostics());
        }
        if (status.contains("internal-error") || status.contains("shutdown")) {
          throw new QemuException("destination ended in state '" + status + "'" + diagnostics());
        }
        return;
      }
      sleepMs(20);
    }
    throw new QemuException(
        "incoming migration not finished in " + max + " (status " + status + ")" + diagnostics());
  }

  /** A free TCP port on 127.0.0.1 (best effort: it could be taken before QEMU binds it). */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String diagnostics() {
    StringBuilder sb = new StringBuilder();
    if (process != null && !process.isAlive()) {
      sb.append("\nQEMU exited with status ").append(process.exitValue());
    }
    String err = stderr().strip();
    if (!err.isEmpty()) {
      sb.append("\nQEMU stderr:\n").append(err);
    }
    sb.append("\ncommand: ").append(String.join(" ", command));
    return sb.toString();
  }

  private void start() throws IOException {
    Path qtestSock = dir.resolve("qtest.sock");
    Path monSock = dir.resolve("hmp.sock");
    QemuArch arch = spec.resolvedArch();
    QemuRelease release = spec.release != null ? spec.release : QemuRelease.V7_2;
    if (spec.binary != null && spec.binary.contains("/")) {
      command.add(spec.binary);
    } else if (spec.release == null && arch == QemuArch.AARCH64) {
      command.add(QemuSupport.binary().toString()); // the historical lookup (throws if absent)
    } else {
      if (release.binary(arch).isEmpty()) {
        throw new QemuException(release.describe(arch));
      }
      command.add(release.binaryPath(arch).toString());
    }
    command.addAll(release.extraArgs());
    command.add("-M");
    command.add(spec.machine != null ? spec.machine : arch.defaultMachine());
    String cpu = spec.cpu != null ? spec.cpu : arch.defaultCpu().orElse(null);
    if (cpu != null) {
      command.add("-cpu");
      command.add(cpu);
    }
    command.add("-smp");
    command.add(Integer.toString(spec.smp));
    command.add("-m");
    command.add(spec.memory);
    command.add("-accel");
    command.add(
        spec.accel != null
            ? spec.accel
            : spec.release == null && arch == QemuArch.AARCH64 && spec.binary == null
                ? QemuSupport.defaultAccel()
                : QemuSupport.defaultAccel(release, arch));
    command.add("-S");
    command.add("-qtest");
    command.add("unix:" + qtestSock);
    command.add("-qtest-log");
    command.add("/dev/null");
    command.add("-monitor");
    command.add("unix:" + monSock + ",server=on,wait=off");
    if (!spec.defaults) {
      command.add("-nodefaults");
    }
    command.add("-display");
    command.add("none");
    if (spec.incoming != null) {
      command.add("-incoming");
      command.add(spec.incoming);
    }
    command.addAll(spec.extraArgs);

    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(qtestSock));
      server.configureBlocking(false);
      ProcessBuilder pb = new ProcessBuilder(command);
      pb.environment().putAll(release.environment());
      process =
          pb.directory(dir.toFile())
              .redirectOutput(dir.resolve("qemu.stdout").toFile())
              .redirectError(stderrLog.toFile())
              .start();
      LIVE.add(process);
      long deadline = System.nanoTime() + spec.startupTimeout.toNanos();
      SocketChannel qt = null;
      while (qt == null) {
        qt = server.accept();
        if (qt != null) {
          break;
        }
        if (!process.isAlive()) {
          throw new QemuException("QEMU failed to start" + diagnostics());
        }
        if (System.nanoTime() > deadline) {
          throw new QemuException(
              "QEMU did not connect to qtest in " + spec.startupTimeout + diagnostics());
        }
        sleepMs(10);
      }
      qt.configureBlocking(true);
      qtest = new Qtest(qt, this::diagnostics).timeout(spec.commandTimeout);
      SocketChannel mon = null;
      while (mon == null) {
        try {
          mon = SocketChannel.open(UnixDomainSocketAddress.of(monSock));
        } catch (IOException e) {
          if (!process.isAlive()) {
            throw new QemuException("QEMU died before its monitor came up" + diagnostics());
          }
          if (System.nanoTime() > deadline) {
            throw new QemuException(
                "QEMU monitor not reachable in " + spec.startupTimeout + diagnostics(), e);
          }
          sleepMs(10);
        }
      }
      hmp = new Hmp(mon, this::diagnostics, process::isAlive).timeout(spec.commandTimeout);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (qtest != null) {
      qtest.close();
    }
    if (hmp != null) {
      hmp.close();
    }
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(2, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      LIVE.remove(process);
    }
    if (!spec.keepTempDir) {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException e) {
                  // best effort
                }
              });
    } catch (IOException e) {
      // best effort
    }
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QemuException("interrupted", e);
    }
  }

  /** Options for {@link QemuMachine}; {@link #start()} launches QEMU. */
  public static final class Builder {
    private String machine;
    private String cpu;
    private QemuRelease release;
    private QemuArch arch;
    private String binary;
    private int smp = 1;
    private String memory = "16M";
    private String accel;
    private String incoming;
    private final List<String> extraArgs = new ArrayList<>();
    private Duration startupTimeout = Duration.ofSeconds(30);
    private Duration commandTimeout = Duration.ofSeconds(20);
    private Duration migrationTimeout = Duration.ofSeconds(60);
    private boolean keepTempDir;
    private boolean defaults;

    private Builder() {}

    /**
     * Whether the machine gets QEMU's default devices (no {@code -nodefaults}: the default VGA, NIC
     * with user networking, serial ports...); off by default.
     */
    public Builder defaults(boolean defaults) {
      this.defaults = defaults;
      return this;
    }

    /**
     * Which QEMU release to start (default: the system QEMU, i.e. {@link QemuRelease#V7_2} located
     * as {@link QemuSupport#binary()} does). The release adds its environment ({@code
     * QEMU_MODULE_DIR}) and arguments ({@code -L}).
     */
    public Builder release(QemuRelease release) {
      this.release = Objects.requireNonNull(release);
      return this;
    }

    /**
     * The emulator's architecture (default {@link QemuArch#AARCH64}); it also picks the default
     * {@code -M} and {@code -cpu} when those are not set.
     */
    public Builder arch(QemuArch arch) {
      this.arch = Objects.requireNonNull(arch);
      return this;
    }

    /**
     * The emulator: a file name such as {@code qemu-system-x86_64} (looked up in the chosen
     * release, and it sets {@link #arch}) or a path (used as is, with the release's environment and
     * arguments).
     */
    public Builder binary(String nameOrPath) {
      this.binary = Objects.requireNonNull(nameOrPath);
      QemuArch a = QemuArch.fromBinaryName(nameOrPath).orElse(null);
      if (a != null) {
        this.arch = a;
      } else if (!nameOrPath.contains("/")) {
        throw new IllegalArgumentException("unknown QEMU emulator " + nameOrPath);
      }
      return this;
    }

    QemuArch resolvedArch() {
      return arch != null ? arch : QemuArch.AARCH64;
    }

    /**
     * The {@code -M} value, e.g. {@code virt,gic-version=3,its=on} or {@code virt-6.2} (default:
     * the architecture's, {@code virt,gic-version=3} for aarch64).
     */
    public Builder machine(String machine) {
      this.machine = Objects.requireNonNull(machine);
      return this;
    }

    /**
     * The {@code -cpu} model (default for aarch64 {@code cortex-a57}, which has EL2 for
     * virtualization=on; other architectures: no {@code -cpu}, QEMU's default).
     */
    public Builder cpu(String cpu) {
      this.cpu = Objects.requireNonNull(cpu);
      return this;
    }

    /** The {@code -smp} CPU count. */
    public Builder smp(int smp) {
      this.smp = smp;
      return this;
    }

    /** The {@code -m} value (default {@code 16M}). */
    public Builder memory(String memory) {
      this.memory = Objects.requireNonNull(memory);
      return this;
    }

    /** The accelerator (default {@link QemuSupport#defaultAccel()}). */
    public Builder accel(String accel) {
      this.accel = accel;
      return this;
    }

    /** Start as a destination loading {@code file} ({@code -incoming "exec:cat FILE"}). */
    public Builder incomingFile(Path file) {
      this.incoming = "exec:cat " + Hmp.shellSafe(file);
      return this;
    }

    /** Start as a destination listening on {@code 127.0.0.1:port}. */
    public Builder incomingTcp(int port) {
      this.incoming = "tcp:127.0.0.1:" + port;
      return this;
    }

    /** Start as a destination waiting for {@link Hmp#migrateIncoming(String)}. */
    public Builder incomingDefer() {
      this.incoming = "defer";
      return this;
    }

    /** Any other {@code -incoming} value. */
    public Builder incoming(String uri) {
      this.incoming = uri;
      return this;
    }

    /** Extra command-line arguments appended last. */
    public Builder extraArgs(String... args) {
      extraArgs.addAll(List.of(args));
      return this;
    }

    /** How long QEMU may take to connect qtest and the monitor (default 30 s). */
    public Builder startupTimeout(Duration d) {
      this.startupTimeout = d;
      return this;
    }

    /** How long one qtest or monitor command may wait for its answer (default 20 s). */
    public Builder commandTimeout(Duration d) {
      this.commandTimeout = d;
      return this;
    }

    /** How long a migration may take to complete (default 60 s). */
    public Builder migrationTimeout(Duration d) {
      this.migrationTimeout = d;
      return this;
    }

    /** Keep the temp directory after close (for debugging). */
    public Builder keepTempDir(boolean keep) {
      this.keepTempDir = keep;
      return this;
    }

    /**
     * Launches QEMU and connects qtest and HMP.
     *
     * @throws QemuException if QEMU is missing, fails to start (stderr is in the message) or times
     *     out
     */
    public QemuMachine start() {
      QemuMachine m;
      try {
        m = new QemuMachine(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create temp dir", e);
      }
      try {
        m.start();
        return m;
      } catch (IOException e) {
        QemuException q = new QemuException("cannot start QEMU: " + e + m.diagnostics(), e);
        m.close();
        throw q;
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
    }
  }
}
