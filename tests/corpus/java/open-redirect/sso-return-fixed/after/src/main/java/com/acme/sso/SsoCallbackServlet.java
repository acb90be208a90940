package com.acme.sso;

import java.io.IOException;
import java.net.URI;
import java.util.Set;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class SsoCallbackServlet extends HttpServlet {
    private static final Set<String> ALLOWED_HOSTS = Set.of("app.acme.com", "admin.acme.com");

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String returnUrl = request.getParameter("returnUrl");
        request.getSession().setAttribute("authenticated", Boolean.TRUE);
        URI target = URI.create(returnUrl == null ? "/" : returnUrl);
        if (target.getHost() != null && ALLOWED_HOSTS.contains(target.getHost())) {
            response.sendRedirect(target.toString());
            return;
        }
        response.sendRedirect("/");
    }
}
