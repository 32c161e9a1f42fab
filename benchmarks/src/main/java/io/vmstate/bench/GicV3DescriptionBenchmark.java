package io.vmstate.bench;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import io.vmstate.gic.v3.GicV3Config;
import io.vmstate.gic.v3.GicV3State;
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
 * Encode and decode of the real {@code arm_gicv3} description ({@link GicV3State#DESCRIPTION}) with
 * 512 CPUs, every CPU holding different values. Unlike {@link Gicv3CodecBenchmark}, which isolates
 * the codec on a description of the same shape, this includes what a user of the GIC model pays as
 * well: the subsections' {@code needed} predicates per CPU, the post-load configuration checks, and
 * the atomic load (the description's copier loads into a deep copy and commits it, so a decode
 * allocates about one state per operation). The {@code bytes} counter's rate is the throughput in
 * bytes per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class GicV3DescriptionBenchmark {
  @Param({"512"})
  public int cpus;

  private GicV3State source;
  private GicV3State target;
  private byte[] encoded;
  private WireOutput out;

  @Setup
  public void setUp() throws VmStateException {
    source = new GicV3State(GicV3Config.tcg(cpus));
    for (int c = 0; c < cpus; c++) {
      for (int intid = 0; intid < 32; intid++) {
        source.redistributor(c).setPriority(intid, (c + intid) & 0xff);
      }
    }
    target = new GicV3State(GicV3Config.tcg(cpus));
    encoded = VmStateCodec.DEFAULT.saveToBytes(GicV3State.DESCRIPTION, source);
    out = WireOutput.toBytes(encoded.length + 1024);
  }

  @Benchmark
  public WireOutput encode(Gicv3CodecBenchmark.Bytes counter) throws VmStateException {
    out.reset();
    VmStateCodec.DEFAULT.save(GicV3State.DESCRIPTION, source, out);
    counter.bytes += out.position();
    return out;
  }

  @Benchmark
  public GicV3State decode(Gicv3CodecBenchmark.Bytes counter) throws VmStateException {
    VmStateCodec.DEFAULT.load(GicV3State.DESCRIPTION, target, WireInput.of(encoded), 1);
    counter.bytes += encoded.length;
    return target;
  }
}
