package dev.notify.server;

import dev.notify.javalin.ApiError;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.HttpStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server's answers for requests no route takes, in the API's error shape: {@code 404
 * route_not_found} for an unknown path, {@code 405 method_not_allowed} with an {@code Allow}
 * header (RFC 9110 §15.5.6) for a known path with another method.
 */
final class RouteErrors {
    private RouteErrors() {
    }

    static void install(JavalinConfig javalin) {
        javalin.http.prefer405over404 = true;
        javalin.routes.exception(HttpResponseException.class, RouteErrors::handle);
    }

    private static void handle(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        String code;
        String message;
        if (status == HttpStatus.NOT_FOUND.getCode()) {
            code = ApiError.ROUTE_NOT_FOUND.code();
            message = "no route " + ctx.method() + " " + ctx.path();
        } else if (status == HttpStatus.METHOD_NOT_ALLOWED.getCode()) {
            String allowed = e.getDetails().getOrDefault("availableMethods", "");
            ctx.header("Allow", allowed);
            code = ApiError.METHOD_NOT_ALLOWED.code();
            message = ctx.path() + " does not take " + ctx.method() + "; it takes " + allowed;
        } else {
            code = "http_" + status;
            message = e.getMessage();
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        ctx.status(status).contentType("application/json")
                .result(dev.notify.javalin.internal.JsonBodies.write(Map.of("error", error)));
    }
}
