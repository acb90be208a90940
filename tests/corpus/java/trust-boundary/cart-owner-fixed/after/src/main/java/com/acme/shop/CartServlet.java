package com.acme.shop;

import java.io.IOException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;

public class CartServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        HttpSession session = request.getSession();
        // The owner is who signed in, not what the form says.
        String customer = request.getUserPrincipal().getName();
        session.setAttribute("cartOwner", customer);
        response.sendRedirect("/cart");
    }
}
