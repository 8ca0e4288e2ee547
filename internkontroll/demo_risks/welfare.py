"""Demo risk registers of the welfare boards: schools and social services."""

from __future__ import annotations

from internkontroll.demo_risks.model import ACTION, CONTROL, MONITOR, DemoRisk, Score

BUN = (
    DemoRisk(
        "Skolskjuts",
        "Legal risk",
        "Skolskjuts körs utan giltigt avtal",
        "Skolorna beställer extraturer direkt av taxibolag när det upphandlade avtalet inte "
        "räcker till.",
        "Otillåten direktupphandling, högre kostnader och oklart ansvar för säkerheten i fordonen.",
        "Skolskjutssamordnare",
        last=Score(3, 3, CONTROL),
        this=Score(3, 3, CONTROL),
        nxt=Score(2, 3, CONTROL, "Den nya upphandlingen omfattar även extraturer."),
    ),
    DemoRisk(
        "Elevpeng och interkommunal ersättning",
        "Ekonomisk risk",
        "Felaktig elevpeng till fristående skolor och andra kommuner",
        "Elevpengen betalas ut på elevlistor som inte stäms av mot folkbokföringen, och "
        "elever som flyttat finns kvar i underlaget.",
        "Kommunen betalar för elever som inte går i skolan och budgeten överskrids.",
        "Förvaltningsekonom",
        last=Score(2, 3, CONTROL),
        this=Score(
            3,
            3,
            CONTROL,
            "Antalet elever i fristående skolor ökar och avstämningen görs fortfarande manuellt.",
        ),
    ),
    DemoRisk(
        "Rekrytering och arbetsmiljö",
        "Legal risk",
        "Brister i registerkontroll av personal",
        "Utdrag ur belastningsregistret begärs inte in före anställning av vikarier och "
        "timanställda.",
        "Personer som inte får arbeta med barn kan anställas, i strid med skollagen.",
        "HR-specialist",
        last=Score(2, 4, CONTROL),
        this=Score(2, 4, CONTROL),
    ),
    DemoRisk(
        "Rekrytering och arbetsmiljö",
        "Personalrisk",
        "Hot och våld mot personal",
        "Personal utsätts för hot och våld av elever eller vårdnadshavare, och händelserna "
        "rapporteras inte i avvikelsesystemet.",
        "Ohälsa, sjukskrivningar och svårigheter att behålla behöriga lärare.",
        "Arbetsmiljösamordnare",
        last=Score(3, 3, ACTION, "Rutin för rapportering av hot och våld införs på alla skolor."),
        this=Score(
            3,
            3,
            CONTROL,
            "Rutinen är införd; nu kontrolleras att händelser rapporteras och följs upp.",
        ),
    ),
    DemoRisk(
        "Kränkande behandling",
        "Legal risk",
        "Kränkande behandling anmäls inte till huvudmannen",
        "Rektorer anmäler inte kränkningar till huvudmannen och utreder dem inte skyndsamt.",
        "Skolinspektionen kan kritisera nämnden och eleverna får inte det skydd lagen kräver.",
        "Kvalitetsstrateg",
        last=Score(3, 3, CONTROL),
        this=Score(
            2,
            3,
            CONTROL,
            "Anmälningarna görs nu i ett gemensamt system; färre brister vid förra årets kontroll.",
        ),
    ),
    DemoRisk(
        "Barnomsorgsavgifter",
        "Ekonomisk risk",
        "Felaktiga avgifter i förskola och fritidshem",
        "Vårdnadshavares inkomstuppgifter kontrolleras inte och maxtaxan tillämpas fel.",
        "Kommunen förlorar avgiftsintäkter och familjer betalar olika för samma tjänst.",
        "Avgiftshandläggare",
        last=Score(2, 2, MONITOR),
        this=Score(2, 2, MONITOR),
        nxt=Score(3, 2, CONTROL, "Inkomstuppgifterna har inte stämts av på två år."),
    ),
    DemoRisk(
        "Elevhälsa",
        "Legal risk",
        "Elevhälsans journaler saknar behörighetsstyrning",
        "Elevhälsans journaler förs i olika system och fler än de som behöver kan läsa dem.",
        "Brott mot patientdatalagen och sekretessen för känsliga uppgifter om elever.",
        "Verksamhetschef elevhälsa",
        last=Score(2, 3, MONITOR),
        this=Score(2, 3, MONITOR),
    ),
    DemoRisk(
        "Inköp av läromedel",
        "Ekonomisk risk",
        "Läromedel köps utanför avtal",
        "Skolor köper läromedel och digitala licenser direkt av förlag utan att använda "
        "avtalade leverantörer.",
        "Högre kostnader och otillåten direktupphandling.",
        "Inköpssamordnare",
        last=Score(2, 2, CONTROL),
        this=Score(1, 2, MONITOR, "Förra årets kontroll visade god avtalstrohet."),
    ),
    DemoRisk(
        "Elevhälsa",
        "Verksamhetsrisk",
        "Problematisk skolfrånvaro upptäcks för sent",
        "Frånvaro registreras inte samma dag och upprepad frånvaro utreds inte.",
        "Elever riskerar att inte nå målen och att fastna i långvarig frånvaro.",
        "Verksamhetschef elevhälsa",
        this=Score(3, 2, MONITOR, "Ny risk efter signaler från elevhälsan."),
    ),
    DemoRisk(
        "Inköp av läromedel",
        "Legal risk",
        "Digitala läromedel och AI-tjänster används utan biträdesavtal",
        "Lärare använder digitala tjänster som behandlar elevers personuppgifter utan "
        "personuppgiftsbiträdesavtal eller riskbedömning.",
        "Personuppgifter om barn kan föras ut ur landet och användas för andra ändamål.",
        "Digitaliseringsstrateg",
        nxt=Score(3, 3, CONTROL, "Ny risk: allt fler tjänster med AI används i undervisningen."),
    ),
)

SN = (
    DemoRisk(
        "Försörjningsstöd",
        "Ekonomisk risk",
        "Felaktiga utbetalningar av försörjningsstöd",
        "Inkomster och ersättningar från andra myndigheter kontrolleras inte innan "
        "försörjningsstöd beviljas.",
        "Bistånd betalas ut felaktigt och återkrav blir sällan verkställda.",
        "Enhetschef försörjningsstöd",
        last=Score(3, 3, CONTROL),
        this=Score(3, 3, CONTROL),
        nxt=Score(
            3,
            4,
            CONTROL,
            "Flera felaktiga utbetalningar upptäcktes vid kontroll mot Försäkringskassan.",
        ),
    ),
    DemoRisk(
        "Biståndsbedömning",
        "Legal risk",
        "Bristande dokumentation i ärenden",
        "Utredningar och beslut dokumenteras inte enligt Socialstyrelsens föreskrifter, och "
        "journalanteckningar förs sent.",
        "Rättssäkerheten brister och besluten håller inte vid överprövning eller tillsyn.",
        "Enhetschef myndighetsutövning",
        last=Score(3, 3, CONTROL),
        this=Score(
            2,
            3,
            CONTROL,
            "Mallar och kollegial granskning har införts; färre brister vid förra årets kontroll.",
        ),
    ),
    DemoRisk(
        "Biståndsbedömning",
        "Legal risk",
        "Överskridna handläggningstider för LSS-ärenden",
        "Ansökningar om insatser enligt LSS utreds inte inom skälig tid och gynnande beslut "
        "verkställs inte inom tre månader.",
        "Den enskilde får inte sina insatser och IVO kan ansöka om särskild avgift.",
        "Enhetschef LSS-handläggning",
        last=Score(3, 2, MONITOR),
        this=Score(3, 3, CONTROL, "Två handläggare har slutat och ärendebalansen har vuxit."),
    ),
    DemoRisk(
        "Läkemedelshantering",
        "Verksamhetsrisk",
        "Fel vid läkemedelshantering i särskilt boende",
        "Läkemedel ges utan delegering, signeringslistor förs inte och narkotikaklassade "
        "läkemedel inventeras inte.",
        "Brukare kan skadas och händelsen kan bli en lex Maria-anmälan.",
        "Medicinskt ansvarig sjuksköterska",
        last=Score(2, 4, CONTROL),
        this=Score(2, 4, CONTROL),
    ),
    DemoRisk(
        "Lex Sarah-rapportering",
        "Förtroenderisk",
        "Missförhållanden rapporteras inte enligt lex Sarah",
        "Medarbetare känner inte till rapporteringsskyldigheten eller avstår av rädsla för "
        "konsekvenser.",
        "Missförhållanden fortsätter och verksamheten lär sig inte av dem.",
        "Kvalitetsstrateg",
        last=Score(2, 3, MONITOR),
        this=Score(2, 3, MONITOR),
    ),
    DemoRisk(
        "Placeringar HVB",
        "Ekonomisk risk",
        "Placeringar på HVB utan avtal och uppföljning",
        "Barn och unga placeras på hem för vård eller boende utan ramavtal, och vården "
        "följs inte upp enligt genomförandeplanen.",
        "Höga kostnader och risk att den unge inte får den vård beslutet avser.",
        "Enhetschef barn och unga",
        last=Score(3, 3, CONTROL),
        this=Score(3, 3, CONTROL),
    ),
    DemoRisk(
        "Hantering av brukarmedel",
        "Ekonomisk risk",
        "Brukares pengar hanteras utan kvittens",
        "Personal handlar åt brukare med kontanter eller kort utan kvitton och utan "
        "regelbunden avstämning.",
        "Brukare kan förlora pengar och personal kan misstänkas för stöld.",
        "Enhetschef boendestöd",
        last=Score(2, 3, CONTROL),
        this=Score(2, 3, CONTROL),
        nxt=Score(2, 2, MONITOR, "Alla boenden har infört kvittenslistor och månatlig avstämning."),
    ),
    DemoRisk(
        "Försörjningsstöd",
        "Personalrisk",
        "Hot och våld mot handläggare vid myndighetsutövning",
        "Handläggare hotas vid besök och i telefon när beslut om bistånd går den enskilde emot.",
        "Ohälsa och personalomsättning, och risk att beslut påverkas av hot.",
        "Socialchef",
        this=Score(2, 3, ACTION, "Ny risk: besöksrutiner och larm i mottagningen ses över."),
    ),
    DemoRisk(
        "Försörjningsstöd",
        "IT-risk",
        "Felaktiga utbetalningar vid byte av verksamhetssystem",
        "Socialtjänstens verksamhetssystem byts; utbetalningar och behörigheter kan bli fel "
        "under övergången.",
        "Felaktiga utbetalningar och uppgifter som läses av obehöriga.",
        "Systemförvaltare socialtjänst",
        nxt=Score(
            3,
            3,
            ACTION,
            "Parallellkörning och avstämning av utbetalningar de tre första månaderna.",
        ),
    ),
)
