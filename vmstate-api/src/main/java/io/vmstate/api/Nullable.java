package io.vmstate.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a type use that may be null: a method's return value (the method's javadoc says when), a
 * parameter that accepts null (and what null means), or a field. Everything in the library's public
 * API that is not marked is never null. Our own annotation, so the library needs no annotation
 * dependency; being a {@code TYPE_USE} annotation retained in the class files, it is read by
 * null-checking tools that match annotations named {@code Nullable} (NullAway, the Checker
 * Framework, IntelliJ IDEA and Kotlin through their configurable annotation lists).
 *
 * <p>Written before the type, {@code public @Nullable Vmdesc vmdesc()}; for a nested type, on the
 * simple name, {@code DeviceRegistry.@Nullable Registered<?>}.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.TYPE_USE})
public @interface Nullable {}
