package io.vmstate.stream.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "verify", mixinStandardHelpOptions = true, description = "(pending)")
final class VerifyCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    return 2;
  }
}
