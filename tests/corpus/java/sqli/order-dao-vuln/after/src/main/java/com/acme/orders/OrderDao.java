package com.acme.orders;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

public class OrderDao {
    private final Connection connection;

    public OrderDao(Connection connection) {
        this.connection = connection;
    }

    public List<Long> findByCustomer(String customer) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement statement = connection.createStatement()) {
            ResultSet rows = statement.executeQuery(
                "SELECT id FROM orders WHERE customer = '" + customer + "'");
            while (rows.next()) {
                ids.add(rows.getLong("id"));
            }
        }
        return ids;
    }
}
