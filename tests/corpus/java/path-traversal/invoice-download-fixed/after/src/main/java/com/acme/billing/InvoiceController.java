package com.acme.billing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

@RestController
public class InvoiceController {
    private static final Path INVOICE_DIR = Path.of("/var/app/invoices").toAbsolutePath().normalize();

    @GetMapping("/invoices/download")
    public byte[] download(@RequestParam("file") String fileName) throws IOException {
        Path invoice = INVOICE_DIR.resolve(fileName).normalize();
        if (!invoice.startsWith(INVOICE_DIR)) {
            throw new ResponseStatusException(HttpStatus.FORBIDDEN);
        }
        return Files.readAllBytes(invoice);
    }
}
