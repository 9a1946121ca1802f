package dev.rawcache.server.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EntityTagTest
{
    @Test
    void shouldParseStrongAndWeakTags()
    {
        assertEquals(EntityTag.strong("xyzzy"), EntityTag.parse("\"xyzzy\""));
        assertEquals(EntityTag.weak("xyzzy"), EntityTag.parse("W/\"xyzzy\""));
        assertEquals(EntityTag.strong(""), EntityTag.parse("\"\""));
    }

    @Test
    void shouldParseTheOpaquePartWithCommasAndObsText()
    {
        assertEquals(new EntityTag(false, "a,b"), EntityTag.parse("\"a,b\""));
        assertEquals(new EntityTag(true, "caf\u00e9"), EntityTag.parse("W/\"caf\u00e9\""));
        assertEquals(new EntityTag(false, "W/x"), EntityTag.parse("\"W/x\""));
    }

    @Test
    void shouldIgnoreWhitespaceAroundATag()
    {
        assertEquals(EntityTag.strong("a"), EntityTag.parse(" \t\"a\"\t "));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "abc", "\"abc", "abc\"", "W/abc", "w/\"abc\"", "W /\"abc\"", "W/ \"abc\"",
        "\"a\"b\"", "\"a b\"", "\"a\tb\"", "\"a\"x", "\"a\" \"b\"", "\"a\",\"b\"", "*", "\"a\u0100\"", "\"\u007f\""})
    void shouldReturnNullForWhatIsNotOneTag(final String text)
    {
        assertNull(EntityTag.parse(text));
    }

    @Test
    void shouldReturnNullForNoText()
    {
        assertNull(EntityTag.parse(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"xyzzy\"", "W/\"xyzzy\"", "\"\"", "W/\"\"", "\"a,b\""})
    void shouldWriteWhatItReads(final String text)
    {
        assertEquals(text, EntityTag.parse(text).toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "W/\"1\" | W/\"1\" | false | true",
        "W/\"1\" | W/\"2\" | false | false",
        "W/\"1\" | \"1\"   | false | true",
        "\"1\"   | \"1\"   | true  | true",
        "\"1\"   | \"2\"   | false | false",
    })
    void shouldCompareAsTheTableOfRfc9110(final String a, final String b, final boolean strong, final boolean weak)
    {
        final EntityTag first = EntityTag.parse(a);
        final EntityTag second = EntityTag.parse(b);
        assertEquals(strong, first.strongMatch(second));
        assertEquals(strong, second.strongMatch(first));
        assertEquals(weak, first.weakMatch(second));
        assertEquals(weak, second.weakMatch(first));
    }

    @Test
    void shouldMatchNothingAgainstNull()
    {
        assertFalse(EntityTag.strong("a").strongMatch(null));
        assertFalse(EntityTag.strong("a").weakMatch(null));
    }

    @Test
    void shouldKeepAnyApartFromTheTagStar()
    {
        final EntityTag star = EntityTag.parse("\"*\"");
        assertNotEquals(EntityTag.ANY, star);
        assertTrue(EntityTag.ANY.isAny());
        assertFalse(star.isAny());
        assertEquals("*", EntityTag.ANY.toString());
        assertFalse(EntityTag.ANY.strongMatch(EntityTag.ANY));
        assertFalse(EntityTag.ANY.weakMatch(star));
        assertFalse(star.weakMatch(EntityTag.ANY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", " * ", "\t*"})
    void shouldReadAStarListAsAny(final String header)
    {
        assertEquals(List.of(EntityTag.ANY), EntityTag.parseList(header));
    }

    @Test
    void shouldReadAListOfTagsInOrder()
    {
        assertEquals(List.of(EntityTag.strong("xyzzy"), EntityTag.weak("r2d2xxxx"), EntityTag.strong("c3piozzzz")),
            EntityTag.parseList("\"xyzzy\", W/\"r2d2xxxx\", \"c3piozzzz\""));
    }

    @Test
    void shouldNotSplitAListAtCommasInsideQuotes()
    {
        assertEquals(List.of(EntityTag.strong("a,b"), EntityTag.weak(",c,"), EntityTag.strong("d")),
            EntityTag.parseList("\"a,b\",W/\",c,\" ,\t\"d\""));
    }

    @Test
    void shouldSkipEmptyListElements()
    {
        assertEquals(List.of(EntityTag.strong("a"), EntityTag.strong("b")),
            EntityTag.parseList(", \"a\",, ,\"b\","));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", ",", " , ,"})
    void shouldReadAListWithoutElementsAsEmpty(final String header)
    {
        assertEquals(List.of(), EntityTag.parseList(header));
    }

    @Test
    void shouldReadNoListAsEmpty()
    {
        assertEquals(List.of(), EntityTag.parseList(null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"a\" \"b\"", "*, \"a\"", "\"a\", *", "* *", "**", "abc", "\"a\",junk", "\"a", "\"a\"b",
        "W/", "\"a\";\"b\""})
    void shouldReturnNullForAMalformedList(final String header)
    {
        assertNull(EntityTag.parseList(header));
    }

    @Test
    void shouldGiveAnImmutableList()
    {
        assertThrows(UnsupportedOperationException.class, () -> EntityTag.parseList("\"a\"").add(EntityTag.ANY));
    }

    @Test
    void shouldRejectAnOpaquePartThatCannotBeWritten()
    {
        assertThrows(IllegalArgumentException.class, () -> EntityTag.strong("a\"b"));
        assertThrows(IllegalArgumentException.class, () -> EntityTag.strong("a b"));
        assertThrows(IllegalArgumentException.class, () -> EntityTag.weak("a\r\n"));
        assertThrows(IllegalArgumentException.class, () -> EntityTag.strong(null));
        assertThrows(IllegalArgumentException.class, () -> new EntityTag(true, null));
    }
}
