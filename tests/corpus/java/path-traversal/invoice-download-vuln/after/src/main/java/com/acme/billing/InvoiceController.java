package com.acme.billing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class InvoiceController {
    private static final String INVOICE_DIR = "/var/app/invoices";

    @GetMapping("/invoices/download")
    public byte[] download(@RequestParam("file") String fileName) throws IOException {
        File invoice = new File(INVOICE_DIR, fileName);
        return Files.readAllBytes(invoice.toPath());
    }
}
