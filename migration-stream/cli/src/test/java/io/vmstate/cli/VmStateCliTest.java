package io.vmstate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VmStateCliTest {
  @Test
  void theFastPathTableNamesEverySubcommandButHelpByItsCommandName() {
    Map<String, Class<?>> expected = new HashMap<>();
    for (Class<?> c : VmStateCli.SUBCOMMANDS) {
      if (c != CommandLine.HelpCommand.class) {
        expected.put(c.getAnnotation(CommandLine.Command.class).name(), c);
      }
    }
    assertEquals(expected, VmStateCli.BY_NAME);
  }
}
