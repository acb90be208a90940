package com.acme.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class ImportServlet extends HttpServlet {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public record SessionState(String theme, String locale) {}

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        SessionState state = MAPPER.readValue(request.getInputStream(), SessionState.class);
        request.getSession().setAttribute("state", state);
        response.setStatus(204);
    }
}
