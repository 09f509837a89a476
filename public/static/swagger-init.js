// Swagger UI bootstrap, served as a file so the docs page needs no inline script.
// Styles that adapt Swagger UI to this API (see the CSS file), added here so the page's HTML stays as generated.
const overrides = window.document.createElement("link");
overrides.rel = "stylesheet";
overrides.href = "/static/swagger-overrides.css";
window.document.head.appendChild(overrides);

window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    persistAuthorization: true,
    deepLinking: true,
    displayRequestDuration: true,
  });
});
