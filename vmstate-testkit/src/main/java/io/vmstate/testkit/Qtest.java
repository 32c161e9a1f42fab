package io.vmstate.testkit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Client of QEMU's qtest text protocol (one command per line; each answered by a line starting with
 * {@code OK}, or {@code FAIL}/{@code ERR} on error; asynchronous {@code IRQ raise N} / {@code IRQ
 * lower N} lines may arrive at any time and are collected separately).
 *
 * <p>Accesses go to the guest physical address space exactly as a CPU store/load with unspecified
 * transaction attributes would, so MMIO registers of the GIC and ordinary guest RAM are both
 * reachable. Obtain one from {@link QemuMachine#qtest()}. Not thread-safe: one command at a time.
 */
public final class Qtest implements AutoCloseable {
  private final SocketChannel channel;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final List<String> irqEvents = new ArrayList<>();
  private final Thread reader;
  private final Supplier<String> diagnostics;
  private volatile Duration timeout = Duration.ofSeconds(20);
  private volatile boolean closed;

  private static final String EOF_MARK = "\u0000EOF";

  Qtest(SocketChannel channel, Supplier<String> diagnostics) {
    this.channel = channel;
    this.diagnostics = diagnostics;
    this.reader = new Thread(this::readLoop, "qtest-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Sets how long a single command may wait for its answer (default 20 s). */
  public Qtest timeout(Duration d) {
    this.timeout = d;
    return this;
  }

  /** Writes the low byte of {@code value} to guest physical address {@code addr}. */
  public void writeb(long addr, int value) {
    ok("writeb " + hex(addr) + " " + hex(value & 0xffL));
  }

  /** Writes the low 16 bits of {@code value} to guest physical address {@code addr}. */
  public void writew(long addr, int value) {
    ok("writew " + hex(addr) + " " + hex(value & 0xffffL));
  }

  /** Writes the 32-bit {@code value} to guest physical address {@code addr}. */
  public void writel(long addr, int value) {
    ok("writel " + hex(addr) + " " + hex(value & 0xffffffffL));
  }

  /** Writes the 64-bit {@code value} to guest physical address {@code addr}. */
  public void writeq(long addr, long value) {
    ok("writeq " + hex(addr) + " " + hex(value));
  }

  /** Reads the byte at guest physical address {@code addr} (0..255). */
  public int readb(long addr) {
    return (int) value("readb " + hex(addr)) & 0xff;
  }

  /** Reads the 16-bit value at guest physical address {@code addr} (0..65535). */
  public int readw(long addr) {
    return (int) value("readw " + hex(addr)) & 0xffff;
  }

  /** Reads the 32-bit value at guest physical address {@code addr}. */
  public int readl(long addr) {
    return (int) value("readl " + hex(addr));
  }

  /** Reads the 64-bit value at guest physical address {@code addr}. */
  public long readq(long addr) {
    return value("readq " + hex(addr));
  }

  /** Writes {@code data} to guest memory at {@code addr} ({@code write ADDR LEN 0xHEX}). */
  public void write(long addr, byte[] data) {
    if (data.length == 0) {
      return;
    }
    ok("write " + hex(addr) + " " + hex(data.length) + " 0x" + Hex.compact(data));
  }

  /** Reads {@code len} bytes of guest memory at {@code addr} ({@code read ADDR LEN}). */
  public byte[] read(long addr, int len) {
    String r = ok("read " + hex(addr) + " " + hex(len));
    String[] parts = r.split("\\s+");
    if (parts.length < 2) {
      throw new QemuException("qtest: malformed read answer '" + r + "'");
    }
    byte[] b = Hex.bytes(parts[1]);
    if (b.length != len) {
      throw new QemuException("qtest: read " + len + " bytes but got " + b.length + ": " + r);
    }
    return b;
  }

  /** Fills {@code len} bytes of guest memory at {@code addr} with {@code value}. */
  public void memset(long addr, int len, int value) {
    ok("memset " + hex(addr) + " " + hex(len) + " " + hex(value & 0xff));
  }

  /**
   * Advances the virtual clock ({@code clock_step [NS]}) and returns the new clock in ns. QEMU only
   * supports this with the {@code qtest} accelerator (see {@link QemuSupport#defaultAccel()}).
   */
  public long clockStep(long ns) {
    String r = ok(ns > 0 ? "clock_step " + ns : "clock_step");
    String[] parts = r.split("\\s+");
    return parts.length > 1 ? Long.parseLong(parts[1]) : -1;
  }

  /**
   * Sends a raw command and returns its {@code OK ...} answer line.
   *
   * @throws QemuException on {@code FAIL}/{@code ERR}, a closed connection or a timeout
   */
  public String ok(String command) {
    String r = raw(command);
    if (r.equals("OK") || r.startsWith("OK ")) {
      return r;
    }
    throw new QemuException("qtest: '" + command + "' answered '" + r + "'" + diagnostics.get());
  }

  /** Sends a raw command and returns whatever answer line (other than IRQ events) comes back. */
  public synchronized String raw(String command) {
    if (closed) {
      throw new QemuException("qtest connection is closed");
    }
    if (command.indexOf('\n') >= 0) {
      throw new IllegalArgumentException("qtest command must be a single line");
    }
    try {
      ChannelIo.writeFully(channel, (command + "\n").getBytes(StandardCharsets.US_ASCII));
    } catch (IOException e) {
      throw new QemuException("qtest: cannot send '" + command + "'" + diagnostics.get(), e);
    }
    String r;
    try {
      r = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QemuException("qtest: interrupted waiting for '" + command + "'", e);
    }
    if (r == null) {
      throw new QemuException(
          "qtest: no answer to '" + command + "' in " + timeout + diagnostics.get());
    }
    if (r == EOF_MARK) {
      replies.add(EOF_MARK);
      throw new QemuException(
          "qtest: QEMU closed the connection at '" + command + "'" + diagnostics.get());
    }
    return r;
  }

  /** The asynchronous {@code IRQ ...} lines seen so far (e.g. {@code "IRQ raise 3"}). */
  public List<String> irqEvents() {
    synchronized (irqEvents) {
      return List.copyOf(irqEvents);
    }
  }

  private long value(String command) {
    String r = ok(command);
    String[] parts = r.split("\\s+");
    if (parts.length < 2) {
      throw new QemuException("qtest: no value in answer '" + r + "' to '" + command + "'");
    }
    return Long.parseUnsignedLong(strip0x(parts[1]), 16);
  }

  private static String strip0x(String s) {
    return s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v).toLowerCase(Locale.ROOT);
  }

  private void readLoop() {
    StringBuilder line = new StringBuilder();
    ByteBuffer buf = ByteBuffer.allocate(8192);
    try {
      while (channel.read(buf) > 0) {
        buf.flip();
        while (buf.hasRemaining()) {
          char c = (char) (buf.get() & 0xff);
          if (c == '\n') {
            dispatch(line.toString().strip());
            line.setLength(0);
          } else {
            line.append(c);
          }
        }
        buf.clear();
      }
    } catch (IOException e) {
      // connection closed; fall through
    } finally {
      replies.add(EOF_MARK);
    }
  }

  private void dispatch(String line) {
    if (line.isEmpty()) {
      return;
    }
    if (line.startsWith("IRQ")) {
      synchronized (irqEvents) {
        irqEvents.add(line);
      }
    } else {
      replies.add(line);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      channel.close();
    } catch (IOException e) {
      // ignore
    }
  }
}
