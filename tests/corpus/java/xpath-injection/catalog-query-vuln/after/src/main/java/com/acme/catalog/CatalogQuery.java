package com.acme.catalog;

import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathExpressionException;
import javax.xml.xpath.XPathFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.w3c.dom.Document;

@RestController
public class CatalogQuery {
    private final Document catalog;

    public CatalogQuery(Document catalog) {
        this.catalog = catalog;
    }

    @GetMapping("/price")
    public String price(@RequestParam String sku) throws XPathExpressionException {
        XPath xpath = XPathFactory.newInstance().newXPath();
        String expression = "/catalog/item[@sku='" + sku + "']/price/text()";
        return xpath.evaluate(expression, catalog);
    }
}
