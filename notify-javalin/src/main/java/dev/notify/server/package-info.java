/** The standalone notify server: configuration from the environment, the CLI, and {@code main}. */
package dev.notify.server;
