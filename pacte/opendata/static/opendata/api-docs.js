/* Starts the interactive documentation of the API (Swagger UI, served locally) on the page's OpenAPI document.
   Loaded as a file: the Content-Security-Policy forbids inline scripts. */
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle === "undefined") {
    return;
  }
  window.SwaggerUIBundle({
    url: node.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    supportedSubmitMethods: ["get"],
    validatorUrl: null
  });
})();
