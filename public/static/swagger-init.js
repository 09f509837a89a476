// Swagger UI bootstrap, served as a file so the docs page needs no inline script.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    persistAuthorization: true,
    deepLinking: true,
    displayRequestDuration: true,
  });
});
