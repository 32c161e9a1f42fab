package io.vmstate.gic.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Makes real QEMU 7.2 migration streams of a stopped virt machine ({@code -S}: device state right
 * after reset) by running {@code migrate "exec:cat > FILE"} on the HMP monitor. Tests that need one
 * are skipped, with the reason, when qemu-system-aarch64 is not installed.
 */
public final class QemuStreams {
  private static final Map<String, byte[]> CACHE = new ConcurrentHashMap<>();

  private QemuStreams() {}

  public static boolean qemuAvailable() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "qemu-system-aarch64"))) {
        return true;
      }
    }
    return false;
  }

  /** The stream of {@code -M virt,<machine> -cpu <cpu> -smp <smp>}; skips without QEMU. */
  public static byte[] stream(String machine, String cpu, int smp) {
    assumeTrue(qemuAvailable(), "qemu-system-aarch64 is not installed; skipping real-QEMU test");
    return CACHE.computeIfAbsent(machine + "|" + cpu + "|" + smp, k -> run(machine, cpu, smp));
  }

  private static byte[] run(String machine, String cpu, int smp) {
    try {
      Path out = Files.createTempFile("gic-stream", ".bin");
      Process p =
          new ProcessBuilder(
                  List.of(
                      "qemu-system-aarch64",
                      "-M",
                      "virt," + machine,
                      "-cpu",
                      cpu,
                      "-smp",
                      Integer.toString(smp),
                      "-m",
                      "32",
                      "-S",
                      "-display",
                      "none",
                      "-nodefaults",
                      "-accel",
                      "tcg",
                      "-monitor",
                      "stdio"))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(("migrate \"exec:cat > " + out + "\"\nquit\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("QEMU did not finish within 60 s");
        }
      }
      byte[] bytes = Files.readAllBytes(out);
      Files.delete(out);
      if (bytes.length == 0) {
        throw new IllegalStateException("QEMU wrote an empty stream (exit " + p.exitValue() + ")");
      }
      return bytes;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
