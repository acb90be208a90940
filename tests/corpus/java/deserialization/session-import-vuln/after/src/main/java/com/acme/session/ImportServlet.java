package com.acme.session;

import java.io.IOException;
import java.io.ObjectInputStream;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class ImportServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        try (ObjectInputStream in = new ObjectInputStream(request.getInputStream())) {
            Object state = in.readObject();
            request.getSession().setAttribute("state", state);
            response.setStatus(204);
        } catch (ClassNotFoundException e) {
            response.setStatus(400);
        }
    }
}
