// The API page: Swagger UI draws the OpenAPI document named by #swagger-ui's data-openapi-url.
// "Try it out" sends requests from this page with the token typed into "Authorize", never the
// session cookie (the API ignores it).
(() => {
  const box = document.getElementById("swagger-ui");
  if (!box || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: box.dataset.openapiUrl,
    domNode: box,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    tryItOutEnabled: false,
    withCredentials: false,
    requestInterceptor: (request) => {
      request.credentials = "omit";
      return request;
    },
  });
})();
