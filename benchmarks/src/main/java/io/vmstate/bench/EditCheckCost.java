package io.vmstate.bench;

import io.vmstate.codec.WireOutput;
import io.vmstate.stream.FieldAssignment;
import io.vmstate.stream.MigrationStreamReader;
import io.vmstate.stream.MigrationStreamWriter;
import io.vmstate.stream.OutputCheck;
import io.vmstate.stream.ReaderOptions;
import io.vmstate.stream.StreamRewriter;
import io.vmstate.stream.StreamSource;
import io.vmstate.stream.vmdesc.VmdescLocator;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
 * {@code vmstate edit} does before it keeps the file, and takes the thread's CPU time of each part.
 * Prints the medians over the rounds after the first quarter (the JIT's warm-up).
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
    long[] edit = new long[rounds];
    long[] check = new long[rounds];
    for (int i = 0; i < rounds; i++) {
      long t0 = mx.getCurrentThreadCpuTime();
      StreamSource src = StreamSource.of(stream.toString(), in);
      List<String> idstrs = new ArrayList<>();
      for (Object d : src.vmdesc().devices()) {
        idstrs.add(String.valueOf(((Map<?, ?>) d).get("name")));
      }
      FieldAssignment a = FieldAssignment.parse(set, idstrs);
      MigrationStreamReader reader = src.reader(ReaderOptions.DEFAULT);
      ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + 4096);
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
      byte[] written = out.toByteArray();
      long t1 = mx.getCurrentThreadCpuTime();
      OutputCheck.check(
          OutputCheck.Bytes.of(in),
          src::vmdesc,
          OutputCheck.Bytes.of(written),
          () -> VmdescLocator.scan(written, 0),
          rw.segments(),
          a::covers,
          reader::describe);
      long t2 = mx.getCurrentThreadCpuTime();
      if (Arrays.equals(in, written)) {
        throw new IllegalStateException("the edit changed nothing: " + set);
      }
      edit[i] = t1 - t0;
      check[i] = t2 - t1;
    }
    int from = rounds / 4;
    double e = median(Arrays.copyOfRange(edit, from, rounds)) / 1e6;
    double c = median(Arrays.copyOfRange(check, from, rounds)) / 1e6;
    System.out.printf(
        "edit %.1f ms, check %.1f ms (CPU, medians of %d rounds after %d warm-up): +%.1f%%%n",
        e, c, rounds - from, from, 100 * c / e);
  }

  private static double median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
