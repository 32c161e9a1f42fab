package io.vmstate.stream;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A minimal qemu-system-aarch64 driver for this module's tests (qtest on stdio, HMP on a unix
 * socket), used until the shared vmstate-testkit harness is merged.
 */
final class Qemu implements AutoCloseable {
  static final String BINARY = "qemu-system-aarch64";

  private final Process process;
  private final BufferedReader qtestIn;
  private final Writer qtestOut;
  private final SocketChannel monitor;

  /** Skips the calling test, visibly, when QEMU is not installed. */
  static void assumeInstalled() {
    boolean found = false;
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      found |= Files.isExecutable(Path.of(dir, BINARY));
    }
    Assumptions.assumeTrue(found, BINARY + " is not installed: real-QEMU test skipped");
  }

  Qemu(Path parent, String machine, int smp, String... extra) throws Exception {
    Path dir = Files.createTempDirectory(parent, "qemu");
    Path mon = dir.resolve("mon.sock");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                BINARY,
                "-M",
                machine,
                "-smp",
                Integer.toString(smp),
                "-m",
                "16",
                "-S",
                "-nodefaults",
                "-display",
                "none",
                "-qtest",
                "stdio",
                "-monitor",
                "unix:" + mon + ",server=on,wait=off"));
    cmd.addAll(List.of(extra));
    process = new ProcessBuilder(cmd).redirectError(dir.resolve("qemu.err").toFile()).start();
    qtestIn =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
    qtestOut = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!Files.exists(mon)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException("QEMU did not start: " + Files.readString(dir.resolve("qemu.err")));
      }
      Thread.sleep(20);
    }
    monitor = SocketChannel.open(StandardProtocolFamily.UNIX);
    monitor.connect(UnixDomainSocketAddress.of(mon));
    hmpRead();
  }

  String qtest(String line) throws IOException {
    qtestOut.write(line + "\n");
    qtestOut.flush();
    String r;
    do {
      r = qtestIn.readLine();
      if (r == null) {
        throw new IOException("qtest closed after '" + line + "'");
      }
    } while (r.startsWith("IRQ"));
    if (!r.startsWith("OK")) {
      throw new IOException("qtest '" + line + "': " + r);
    }
    return r;
  }

  void writel(long addr, int v) throws IOException {
    qtest(String.format("writel 0x%x 0x%x", addr, v));
  }

  long readl(long addr) throws IOException {
    String r = qtest(String.format("readl 0x%x", addr));
    return Long.decode(r.substring(3).trim());
  }

  /** Sends an HMP command and returns its output up to the next prompt. */
  String hmp(String command) throws IOException {
    monitor.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
    return hmpRead();
  }

  private String hmpRead() throws IOException {
    StringBuilder sb = new StringBuilder();
    ByteBuffer buf = ByteBuffer.allocate(4096);
    while (!sb.toString().endsWith("(qemu) ")) {
      buf.clear();
      if (monitor.read(buf) < 0) {
        throw new IOException("monitor closed: " + sb);
      }
      sb.append(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1));
    }
    return sb.toString().replaceAll("\u001b\\[[0-9;]*[A-Za-z]", "");
  }

  /** Migrates to {@code file} and waits until the migration completed. */
  void migrateTo(Path file) throws Exception {
    hmp("migrate \"exec:cat > " + file + "\"");
    waitFor("info migrate", "Migration status: completed");
  }

  void waitFor(String command, String text) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      String out = hmp(command);
      if (out.contains(text)) {
        return;
      }
      if (out.contains("failed") || System.nanoTime() > deadline) {
        throw new IOException("'" + command + "' never showed '" + text + "': " + out);
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() throws Exception {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    monitor.close();
  }
}
