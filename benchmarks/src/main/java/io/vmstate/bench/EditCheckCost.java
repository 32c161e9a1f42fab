package io.vmstate.bench;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.WireOutput;
import io.vmstate.stream.FieldAssignment;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.OutputCheck;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamRewriter;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * What the output check adds to an edit (issue #10's budget: at most 15%), in one JVM: each round
 * makes the edit the way {@code vmstate edit} does (the stream's vmdesc located, a reader, the
 * rewriter applying one {@code --set}), then runs {@link OutputCheck#check} on input and output as
 * {@code vmstate edit} does before it keeps the file (once over the bytes in memory, once over the
 * input file and the output written to a file, as the tool has them), and takes the thread's CPU
 * time of each part. Prints the medians over the rounds after the first quarter (the JIT's
 * warm-up).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.vmstate.bench.EditCheckCost STREAM [SET] [ROUNDS]
 * </pre>
 *
 * SET defaults to {@code arm_gicv3/cpu[300]/gicr_ipriorityr[3]=0x66} (a 512-vCPU GICv3 stream).
 */
public final class EditCheckCost {
  private EditCheckCost() {}

  public static void main(String[] args) throws Exception {
    Path stream = Path.of(args[0]);
    String set = args.length > 1 ? args[1] : "arm_gicv3/cpu[300]/gicr_ipriorityr[3]=0x66";
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    byte[] in = Files.readAllBytes(stream);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long[][] memory = new long[2][rounds];
    long[][] files = new long[2][rounds];
    Path outFile = Files.createTempFile("edit-check-cost", ".qemu");
    try {
      for (int i = 0; i < rounds; i++) {
        // In memory: the stream as a byte array, the output into one, both checked as arrays.
        long t0 = mx.getCurrentThreadCpuTime();
        StreamSource src = StreamSource.of(stream.toString(), in);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 4096);
        Edit e = Edit.run(src, set, out);
        byte[] written = out.toByteArray();
        long t1 = mx.getCurrentThreadCpuTime();
        e.check(OutputCheck.Bytes.of(in), OutputCheck.Bytes.of(written), () -> scan(written));
        long t2 = mx.getCurrentThreadCpuTime();
        if (Arrays.equals(in, written)) {
          throw new IllegalStateException("the edit changed nothing: " + set);
        }
        memory[0][i] = t1 - t0;
        memory[1][i] = t2 - t1;
        // As `vmstate edit` does it: the input file opened, the output written to a file, both
        // files checked.
        t0 = mx.getCurrentThreadCpuTime();
        try (StreamSource fsrc = StreamSource.open(stream);
            OutputStream os = Files.newOutputStream(outFile)) {
          e = Edit.run(fsrc, set, os);
        }
        t1 = mx.getCurrentThreadCpuTime();
        try (FileChannel inCh = FileChannel.open(stream);
            FileChannel outCh = FileChannel.open(outFile)) {
          e.check(
              OutputCheck.Bytes.of(inCh),
              OutputCheck.Bytes.of(outCh),
              () -> VmdescLocator.locate(outFile, Vmdesc.DEFAULT_MAX_BYTES));
        }
        t2 = mx.getCurrentThreadCpuTime();
        files[0][i] = t1 - t0;
        files[1][i] = t2 - t1;
      }
    } finally {
      Files.delete(outFile);
    }
    int from = rounds / 4;
    System.out.printf(
        "CPU, medians of %d rounds after %d warm-up:%n", rounds - from, rounds - (rounds - from));
    report("in memory", memory, from);
    report("on files (as vmstate edit)", files, from);
  }

  private static Vmdesc scan(byte[] b) throws VmStateException {
    return VmdescLocator.scan(b, 0);
  }

  private static void report(String what, long[][] t, int from) {
    double e = median(Arrays.copyOfRange(t[0], from, t[0].length)) / 1e6;
    double c = median(Arrays.copyOfRange(t[1], from, t[1].length)) / 1e6;
    System.out.printf("  %s: edit %.1f ms, check %.1f ms: +%.1f%%%n", what, e, c, 100 * c / e);
  }

  /** One edit as {@code vmstate edit} makes it, and its output check. */
  private record Edit(
      StreamSource src, FieldAssignment a, MigrationStreamReader reader, StreamRewriter rw) {
    static Edit run(StreamSource src, String set, OutputStream out) throws Exception {
      List<String> idstrs = new ArrayList<>();
      for (Object d : src.vmdesc().devices()) {
        idstrs.add(String.valueOf(((Map<?, ?>) d).get("name")));
      }
      FieldAssignment a = FieldAssignment.parse(set, idstrs);
      MigrationStreamReader reader = src.reader(ReaderOptions.DEFAULT);
      StreamRewriter rw =
          new StreamRewriter(
              reader,
              new MigrationStreamWriter(WireOutput.to(out)),
              (section, record) -> {
                if (a.matches(section.idstr(), section.instanceId(), 0)) {
                  a.apply(record);
                }
              });
      rw.run();
      return new Edit(src, a, reader, rw);
    }

    void check(OutputCheck.Bytes in, OutputCheck.Bytes out, OutputCheck.LazyVmdesc outVmdesc)
        throws Exception {
      OutputCheck.check(
          in, src::vmdesc, out, outVmdesc, rw.segments(), a::covers, reader::describe);
    }
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
