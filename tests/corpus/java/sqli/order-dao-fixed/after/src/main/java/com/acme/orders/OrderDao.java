package com.acme.orders;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

public class OrderDao {
    private final Connection connection;

    public OrderDao(Connection connection) {
        this.connection = connection;
    }

    public List<Long> findByCustomer(String customer) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement statement =
                connection.prepareStatement("SELECT id FROM orders WHERE customer = ?")) {
            statement.setString(1, customer);
            ResultSet rows = statement.executeQuery();
            while (rows.next()) {
                ids.add(rows.getLong("id"));
            }
        }
        return ids;
    }
}
