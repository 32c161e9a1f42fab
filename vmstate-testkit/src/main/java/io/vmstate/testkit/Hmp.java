package io.vmstate.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Client of QEMU's human monitor (HMP) over a unix socket: sends one command, reads until the next
 * {@code (qemu) } prompt, and returns the command's output with the terminal echo and escape
 * sequences removed. Obtain one from {@link QemuMachine#hmp()}.
 */
public final class Hmp implements AutoCloseable {
  private static final String PROMPT = "(qemu) ";
  private static final Pattern ESCAPES = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]");
  private static final Pattern STATUS = Pattern.compile("(?m)^Migration status: *(\\S+)");

  private final SocketChannel channel;
  private final StringBuilder buffer = new StringBuilder();
  private final Thread reader;
  private final Supplier<String> diagnostics;
  private final BooleanSupplier processAlive;
  private volatile Duration timeout = Duration.ofSeconds(20);
  private boolean eof;
  private final String banner;

  Hmp(SocketChannel channel, Supplier<String> diagnostics, BooleanSupplier processAlive) {
    this.channel = channel;
    this.diagnostics = diagnostics;
    this.processAlive = processAlive;
    this.reader = new Thread(this::readLoop, "hmp-reader");
    reader.setDaemon(true);
    reader.start();
    this.banner = awaitPrompt("<connect>");
  }

  /** Sets how long a single command may wait for the prompt (default 20 s). */
  public Hmp timeout(Duration d) {
    this.timeout = d;
    return this;
  }

  /** The greeting printed when the monitor connected. */
  public String banner() {
    return banner;
  }

  /**
   * Runs one HMP command and returns its output (without the echoed command line and the trailing
   * prompt; lines separated by {@code \n}).
   */
  public synchronized String command(String command) {
    if (command.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("HMP command must be a single line");
    }
    try {
      ChannelIo.writeFully(channel, (command + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new QemuException("hmp: cannot send '" + command + "'" + diagnostics.get(), e);
    }
    String raw = awaitPrompt(command);
    String text = ESCAPES.matcher(raw).replaceAll("").replace("\r", "");
    int nl = text.indexOf('\n');
    // the first line is the monitor's echo of what we typed
    text = nl >= 0 ? text.substring(nl + 1) : "";
    return text.strip();
  }

  /** {@code info status}, e.g. {@code "VM status: paused (prelaunch)"}. */
  public String infoStatus() {
    return command("info status");
  }

  /** {@code info migrate} output. */
  public String infoMigrate() {
    return command("info migrate");
  }

  /**
   * The {@code Migration status:} value from {@code info migrate} ({@code "completed"}, {@code
   * "active"}, {@code "failed"}, ...), or {@code "none"} if no migration was started.
   */
  public String migrationStatus() {
    Matcher m = STATUS.matcher(infoMigrate());
    return m.find() ? m.group(1) : "none";
  }

  /** Pauses the VM (HMP {@code stop}); any answer text is a {@link QemuException}. */
  public void stop() {
    expectQuiet("stop");
  }

  /** Resumes the VM (HMP {@code cont}); any answer text is a {@link QemuException}. */
  public void cont() {
    expectQuiet("cont");
  }

  /** Starts an outgoing migration to {@code uri} (e.g. {@code tcp:127.0.0.1:4444}). */
  public void migrate(String uri) {
    if (uri.indexOf('"') >= 0) {
      throw new IllegalArgumentException("URI must not contain a double quote: " + uri);
    }
    expectQuiet("migrate \"" + uri + "\"");
  }

  /** Starts an outgoing migration into {@code file} via {@code exec:cat > FILE}. */
  public void migrateToFile(Path file) {
    migrate("exec:cat > " + shellSafe(file));
  }

  /** For a destination started with {@code -incoming defer}: {@code migrate_incoming URI}. */
  public void migrateIncoming(String uri) {
    expectQuiet("migrate_incoming " + uri);
  }

  /**
   * Polls {@code info migrate} until the outgoing migration is {@code completed}.
   *
   * @throws QemuException if it fails, is cancelled, or does not finish in time
   */
  public void awaitMigrationCompleted(Duration max) {
    long deadline = System.nanoTime() + max.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      last = infoMigrate();
      Matcher m = STATUS.matcher(last);
      String s = m.find() ? m.group(1) : "none";
      switch (s) {
        case "completed":
          return;
        case "failed":
        case "cancelled":
          throw new QemuException("migration " + s + ":\n" + last + diagnostics.get());
        default:
          sleep(20);
      }
    }
    throw new QemuException(
        "migration did not complete in " + max + ":\n" + last + diagnostics.get());
  }

  static String shellSafe(Path file) {
    String s = file.toAbsolutePath().toString();
    if (!s.matches("[A-Za-z0-9_./+,=@%-]+")) {
      throw new IllegalArgumentException("path needs quoting, use a simpler temp path: " + s);
    }
    return s;
  }

  private void expectQuiet(String command) {
    String r = command(command);
    if (!r.isEmpty()) {
      throw new QemuException("hmp: '" + command + "' answered: " + r + diagnostics.get());
    }
  }

  private String awaitPrompt(String command) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (buffer) {
      while (true) {
        int idx = buffer.indexOf(PROMPT);
        if (idx >= 0) {
          String r = buffer.substring(0, idx);
          buffer.delete(0, idx + PROMPT.length());
          return r;
        }
        if (eof) {
          throw new QemuException(
              "hmp: monitor closed while waiting for '" + command + "'" + diagnostics.get());
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new QemuException(
              "hmp: no prompt after '"
                  + command
                  + "' in "
                  + timeout
                  + "; got: "
                  + buffer
                  + diagnostics.get());
        }
        try {
          buffer.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new QemuException("hmp: interrupted", e);
        }
        if (!processAlive.getAsBoolean() && buffer.indexOf(PROMPT) < 0) {
          eof = true;
        }
      }
    }
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(8192);
    try {
      while (channel.read(buf) > 0) {
        String s = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
        buf.clear();
        synchronized (buffer) {
          buffer.append(s);
          buffer.notifyAll();
        }
      }
    } catch (IOException e) {
      // closed
    } finally {
      synchronized (buffer) {
        eof = true;
        buffer.notifyAll();
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QemuException("interrupted", e);
    }
  }

  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // ignore
    }
  }
}
