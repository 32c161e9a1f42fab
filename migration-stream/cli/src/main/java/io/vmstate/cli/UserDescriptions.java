package io.vmstate.cli;

import io.vmstate.stream.TypedDescriptions;
import java.io.File;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import picocli.CommandLine.Option;

/**
 * {@code --class-path JAR[:JAR...]}: the user's own device descriptions, for the commands that use
 * descriptions ({@code schema}, {@code check-compat}, {@code upgrade}, {@code dump}, {@code
 * extract}). Each JAR (or classes folder) lists its {@link TypedDescriptions.Provider}s in {@code
 * META-INF/services/io.vmstate.stream.TypedDescriptions$Provider}, the same service the tool's own
 * GIC descriptions use; {@link #load} registers their entries with {@link TypedDescriptions}.
 *
 * <p>A missing JAR is a usage error (exit 2, like a missing stream); everything wrong inside one
 * (not a jar, no provider listed, a class that is not found or does not load, a provider that
 * throws, a device the tool or another provider already describes) is refused in one line (exit 1)
 * before anything is read or written.
 */
final class UserDescriptions {
  /** The service file a JAR must hold. */
  static final String SERVICE_FILE =
      "META-INF/services/io.vmstate.stream.TypedDescriptions$Provider";

  @Option(
      names = {"--class-path", "--classpath"},
      paramLabel = "JAR[:JAR...]",
      description = {
        "Also use the device descriptions in these jars (or classes folders; separated by '"
            + ":' on Unix, ';' on Windows; the option may be repeated): each lists its",
        "io.vmstate.stream.TypedDescriptions$Provider classes in " + SERVICE_FILE + "."
      })
  List<String> classPath = List.of();

  /** The vmsd names registered from jars in this run, see {@link #forgetLoaded}. */
  private static final Set<String> REGISTERED = ConcurrentHashMap.newKeySet();

  /**
   * Unregisters what jars gave, when a run ends: the CLI may run in-process (tests, a library user
   * calling {@link VmStateCli#run}), and one run's jars must not describe devices for the next.
   */
  static void forgetLoaded() {
    for (String name : REGISTERED) {
      TypedDescriptions.unregister(name);
      REGISTERED.remove(name);
    }
  }

  /** A jar's content is refused: one line, exit 1. */
  static final class RefusedException extends Exception {
    private static final long serialVersionUID = 1L;

    RefusedException(String message) {
      super(message);
    }
  }

  /** One loaded description and the provider class that gave it, for messages. */
  record Loaded(TypedDescriptions.Entry entry, String provider) {}

  /**
   * Loads the providers of every JAR given and registers their entries; returns them in the order
   * found (empty without {@code --class-path}). Nothing is registered when anything is refused.
   */
  List<Loaded> load() throws NoSuchFileException, RefusedException {
    List<Path> jars = jars();
    if (jars.isEmpty()) {
      return List.of();
    }
    URL[] urls = new URL[jars.size()];
    for (int i = 0; i < jars.size(); i++) {
      urls[i] = checked(jars.get(i));
    }
    // not closed: the descriptions' classes are used until the command ends
    URLClassLoader loader = new URLClassLoader(urls, UserDescriptions.class.getClassLoader());
    Set<String> builtIn = builtIn();
    List<Loaded> loaded = new ArrayList<>();
    Map<String, String> byName = new HashMap<>();
    try {
      for (ServiceLoader.Provider<TypedDescriptions.Provider> p :
          ServiceLoader.load(TypedDescriptions.Provider.class, loader).stream().toList()) {
        if (p.type().getClassLoader() != loader) {
          continue; // the tool's own providers, found again through the parent
        }
        String name = p.type().getName();
        List<TypedDescriptions.Entry> entries = descriptions(p, name);
        for (TypedDescriptions.Entry e : entries) {
          String vmsd = e.description().name();
          if (builtIn.contains(vmsd)) {
            throw new RefusedException(
                name + " describes '" + vmsd + "', which the tool already describes");
          }
          String before = byName.putIfAbsent(vmsd, name);
          if (before != null) {
            throw new RefusedException(
                name
                    + " describes '"
                    + vmsd
                    + "', which "
                    + (before.equals(name) ? "it" : before)
                    + " already describes");
          }
          loaded.add(new Loaded(e, name));
        }
      }
    } catch (ServiceConfigurationError e) {
      throw new RefusedException("cannot load a description provider: " + describe(e));
    }
    if (loaded.isEmpty()) {
      throw new RefusedException(
          "the providers in "
              + String.join(File.pathSeparator, classPath)
              + " gave no descriptions");
    }
    for (Loaded l : loaded) {
      REGISTERED.add(l.entry().description().name());
      TypedDescriptions.register(l.entry());
    }
    return List.copyOf(loaded);
  }

  private List<Path> jars() {
    List<Path> jars = new ArrayList<>();
    for (String option : classPath) {
      for (String part : option.split(File.pathSeparator, -1)) {
        if (!part.isEmpty()) {
          jars.add(Path.of(part));
        }
      }
    }
    return jars;
  }

  /** The URL of a jar or folder that exists and lists a provider. */
  private static URL checked(Path jar) throws NoSuchFileException, RefusedException {
    if (!Files.exists(jar)) {
      throw new NoSuchFileException(jar.toString());
    }
    boolean listsProvider;
    if (Files.isDirectory(jar)) {
      listsProvider = Files.isRegularFile(jar.resolve(SERVICE_FILE));
    } else {
      try (JarFile f = new JarFile(jar.toFile())) {
        listsProvider = f.getJarEntry(SERVICE_FILE) != null;
      } catch (IOException e) {
        throw new RefusedException(jar + " is not a readable jar: " + e.getMessage());
      }
    }
    if (!listsProvider) {
      throw new RefusedException(jar + " has no " + SERVICE_FILE + " listing its providers");
    }
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new RefusedException(jar + ": " + e.getMessage());
    }
  }

  /** A provider's entries, or a refusal naming it when it cannot be made or throws. */
  private static List<TypedDescriptions.Entry> descriptions(
      ServiceLoader.Provider<TypedDescriptions.Provider> p, String name) throws RefusedException {
    List<TypedDescriptions.Entry> entries;
    try {
      entries = p.get().descriptions();
    } catch (ServiceConfigurationError e) {
      throw new RefusedException("provider " + name + " cannot be made: " + describe(e));
    } catch (RuntimeException | LinkageError e) {
      throw new RefusedException("provider " + name + " failed: " + describe(e));
    }
    if (entries == null || entries.stream().anyMatch(e -> e == null)) {
      throw new RefusedException("provider " + name + " returned a null description");
    }
    return entries;
  }

  /** The vmsd names the tool's own providers describe. */
  private static Set<String> builtIn() {
    Set<String> names = new HashSet<>();
    for (TypedDescriptions.Provider p :
        ServiceLoader.load(
            TypedDescriptions.Provider.class, UserDescriptions.class.getClassLoader())) {
      for (TypedDescriptions.Entry e : p.descriptions()) {
        names.add(e.description().name());
      }
    }
    return names;
  }

  /** The message and the root cause, in one line. */
  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String text = e instanceof ServiceConfigurationError ? e.getMessage() : e.toString();
    if (root != e) {
      text += " (" + root + ")";
    }
    return text.replace('\n', ' ');
  }
}
