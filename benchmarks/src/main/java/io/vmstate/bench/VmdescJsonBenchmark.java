package io.vmstate.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import io.vmstate.api.VmStateException;
import io.vmstate.dump.PythonJson;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
import io.vmstate.stream.DeviceRegistry;
import io.vmstate.stream.MachineConfiguration;
import io.vmstate.stream.vmdesc.JsonTree;
import io.vmstate.stream.vmdesc.QemuJsonWriter;
import io.vmstate.stream.vmdesc.Vmdesc;
import io.vmstate.stream.vmdesc.VmdescLocator;
import io.vmstate.testkit.fixtures.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The stream core's two hand-written JSON pieces against jackson-core doing the same job, on the
 * vmdesc of a registry holding a GICv3 of {@code cpus} CPUs (the figure recorded in docs/design.md,
 * "One JSON mechanism"): reading it with {@link JsonTree} (as {@link Vmdesc} does, sharing the
 * repeated CPU layouts) or into maps and lists with jackson's streaming parser (the test kit's
 * {@link Json}); writing it with {@link QemuJsonWriter} or with a jackson generator printing QEMU's
 * compact dialect ({@link PythonJson#writeTree} with a compact printer). The setup checks that both
 * writers produce the same text, so the comparison is of equals.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class VmdescJsonBenchmark {
  private static final JsonFactory JACKSON = new JsonFactory();

  @Param({"8", "512"})
  public int cpus;

  private byte[] json;
  private Map<String, Object> root;

  @Setup
  public void setUp() throws VmStateException, IOException {
    GicV3State gic = new GicV3State(GicV3Config.tcg(cpus));
    byte[] stream =
        new DeviceRegistry(new MachineConfiguration("virt-7.2").setTargetPageBits(12))
            .register("arm_gicv3", 0, GicV3State.DESCRIPTION, gic)
            .saveToBytes();
    Vmdesc v = VmdescLocator.scan(stream, 0);
    json = v.json();
    root = v.root();
    String ours = writeQemuJsonWriter();
    String theirs = writeJackson();
    if (!ours.equals(theirs)) {
      throw new IllegalStateException("the two writers differ; the comparison would be unfair");
    }
  }

  @Benchmark
  public Object readJsonTree() throws VmStateException {
    return JsonTree.parse(json, 0, json.length, 0, 3);
  }

  @Benchmark
  public Object readJackson() {
    return Json.parse(json);
  }

  @Benchmark
  public String writeQemuJsonWriter() {
    return new QemuJsonWriter().value(null, root).text();
  }

  @Benchmark
  public String writeJackson() throws IOException {
    StringWriter w = new StringWriter(json.length);
    try (JsonGenerator g = JACKSON.createGenerator(w)) {
      g.setPrettyPrinter(new QemuCompact());
      PythonJson.writeTree(g, root);
    }
    return w.toString();
  }

  /** One operation of this benchmark, for {@link #main}. */
  private interface Op {
    Object run() throws Exception;
  }

  /**
   * The same four operations measured in CPU time of this thread (less disturbed by a busy machine
   * than JMH's wall-clock time): {@code rounds} rounds, each running every operation {@code reps}
   * times in turn, interleaved; prints the median µs per operation. Arguments: cpus (512), rounds
   * (15), reps (5).
   */
  public static void main(String[] args) throws Exception {
    VmdescJsonBenchmark b = new VmdescJsonBenchmark();
    b.cpus = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    b.setUp();
    String[] names = {"readJsonTree", "readJackson", "writeQemuJsonWriter", "writeJackson"};
    Op[] ops = {b::readJsonTree, b::readJackson, b::writeQemuJsonWriter, b::writeJackson};
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    double[][] us = new double[ops.length][rounds];
    for (int r = -3; r < rounds; r++) { // three rounds of warm-up
      for (int i = 0; i < ops.length; i++) {
        long t0 = cpu.getCurrentThreadCpuTime();
        for (int k = 0; k < reps; k++) {
          ops[i].run();
        }
        long t1 = cpu.getCurrentThreadCpuTime();
        if (r >= 0) {
          us[i][r] = (t1 - t0) / 1000.0 / reps;
        }
      }
    }
    System.out.printf(
        "vmdesc of a %d-CPU GICv3: %d bytes; median CPU time per operation over %d rounds%n",
        b.cpus, b.json.length, rounds);
    for (int i = 0; i < ops.length; i++) {
      java.util.Arrays.sort(us[i]);
      System.out.printf("%-20s %10.1f us%n", names[i], us[i][rounds / 2]);
    }
  }

  /** QEMU's compact JSONWriter layout: {@code ", "} between members, {@code ": "} after keys. */
  private static final class QemuCompact extends MinimalPrettyPrinter {
    @Override
    public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(": ");
    }

    @Override
    public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }

    @Override
    public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
      g.writeRaw(", ");
    }
  }
}
