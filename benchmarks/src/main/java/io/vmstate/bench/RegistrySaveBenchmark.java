package io.vmstate.bench;

import io.vmstate.api.VmStateException;
import io.vmstate.bench.netty.FramedGicBenchmark;
import io.vmstate.stream.DeviceRegistry;
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
 * What a {@link DeviceRegistry} save's check of its own stream costs: the whole-stream save of a
 * programmed 512-vCPU GICv3 and its ITS ({@link FramedGicBenchmark#programmed}), with the check on
 * (the default) and off ({@link DeviceRegistry#checkingSaves}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RegistrySaveBenchmark {
  @Param({"true", "false"})
  public boolean check;

  private DeviceRegistry registry;

  @Setup
  public void setUp() {
    registry = FramedGicBenchmark.programmed().checkingSaves(check);
  }

  @Benchmark
  public byte[] save() throws VmStateException {
    return registry.saveToBytes();
  }
}
