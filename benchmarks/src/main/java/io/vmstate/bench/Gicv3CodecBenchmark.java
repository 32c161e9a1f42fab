package io.vmstate.bench;

import io.vmstate.api.VmStateException;
import io.vmstate.codec.VmStateCodec;
import io.vmstate.codec.WireInput;
import io.vmstate.codec.WireOutput;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encode and decode of an {@code arm_gicv3}-shaped state with 512 CPUs (about 150 KB) through the
 * typed binding, next to {@code System.arraycopy} of the same number of bytes as the ceiling.
 * Besides ops/s, each benchmark reports a {@code bytes} counter: its rate is the throughput in
 * bytes per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class Gicv3CodecBenchmark {
  @Param({"512"})
  public int cpus;

  private Gicv3Shape.Gic source;
  private Gicv3Shape.Gic target;
  private byte[] encoded;
  private byte[] copyTarget;
  private WireOutput out;

  /** Per-thread byte counter; JMH reports its rate (bytes/s) next to ops/s. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    public long bytes;

    @Setup(Level.Iteration)
    public void clear() {
      bytes = 0;
    }
  }

  @Setup
  public void setUp() throws VmStateException {
    source = Gicv3Shape.random(cpus, 42);
    target = new Gicv3Shape.Gic(cpus);
    encoded = VmStateCodec.DEFAULT.saveToBytes(Gicv3Shape.GIC, source);
    copyTarget = new byte[encoded.length];
    out = WireOutput.toBytes(encoded.length + 1024);
  }

  @Benchmark
  public WireOutput encode(Bytes counter) throws VmStateException {
    out.reset();
    VmStateCodec.DEFAULT.save(Gicv3Shape.GIC, source, out);
    counter.bytes += out.position();
    return out;
  }

  @Benchmark
  public Gicv3Shape.Gic decode(Bytes counter) throws VmStateException {
    VmStateCodec.DEFAULT.load(Gicv3Shape.GIC, target, WireInput.of(encoded), 1);
    counter.bytes += encoded.length;
    return target;
  }

  @Benchmark
  public byte[] arraycopy(Bytes counter) {
    System.arraycopy(encoded, 0, copyTarget, 0, encoded.length);
    counter.bytes += encoded.length;
    return copyTarget;
  }
}
