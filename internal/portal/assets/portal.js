// halobridge portal: the little the pages need beyond htmx. A request
// htmx could not complete (the server or the network failed) says so in the
// page's flash area instead of doing nothing.
document.addEventListener("htmx:sendError", function () {
  var flash = document.getElementById("flash");
  if (flash) {
    flash.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash error";
    p.setAttribute("role", "alert");
    p.textContent = "halobridge did not answer. Check your connection and try again.";
    flash.appendChild(p);
  }
});
